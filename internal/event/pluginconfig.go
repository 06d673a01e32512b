package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// PluginConfig is a plugin's configuration for the event's tenant
// (plugin.configured): a JSON object the plugin reads with config_get
// (capability config, docs/plugins.md). An empty Config clears it.
type PluginConfig struct {
	Plugin string `cbor:"1,keyasint"`
	Config []byte `cbor:"2,keyasint,omitempty"`
}

// MaxPluginConfig bounds a plugin's configuration, in bytes of JSON.
const MaxPluginConfig = 64 << 10

// ErrPluginConfigTooLarge is returned for a configuration over
// MaxPluginConfig bytes.
var ErrPluginConfigTooLarge = fmt.Errorf("a plugin's configuration is at most %d bytes of JSON", MaxPluginConfig)

// ErrPluginConfigInvalid is returned for a configuration that is not a
// JSON object; it is wrapped with what was wrong.
var ErrPluginConfigInvalid = errors.New("a plugin's configuration is a JSON object")

// ValidPluginName reports whether s can name a plugin: 1 to 63 lower-case
// ASCII letters, digits and '-', not starting with '-' (the manifest's
// rule, wasm/host.Manifest.Validate).
func ValidPluginName(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// CheckPluginConfig says what is wrong with a configuration as the log
// holds it, or nil: empty (none), or a JSON object in UTF-8 of at most
// MaxPluginConfig bytes with nothing after it.
func CheckPluginConfig(b []byte) error {
	switch {
	case len(b) == 0:
		return nil
	case len(b) > MaxPluginConfig:
		return fmt.Errorf("%w: this one has %d", ErrPluginConfigTooLarge, len(b))
	case !utf8.Valid(b):
		return fmt.Errorf("%w: this one is not UTF-8", ErrPluginConfigInvalid)
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("%w (starting with '{'): this one is not an object", ErrPluginConfigInvalid)
	}
	if !json.Valid(b) {
		// Valid says only yes or no; Unmarshal says where
		var v any
		err := json.Unmarshal(b, &v)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return fmt.Errorf("%w: %v", ErrPluginConfigInvalid, err)
	}
	return nil
}

// ParsePluginConfig reads a configuration as an API receives it: a JSON
// object of at most MaxPluginConfig bytes (as sent), which it returns
// compacted (no white space between tokens), or null or nothing at all,
// which clear the configuration (nil). Errors wrap ErrPluginConfigTooLarge
// or ErrPluginConfigInvalid and say what was wrong.
func ParsePluginConfig(body []byte) ([]byte, error) {
	if len(body) > MaxPluginConfig {
		return nil, fmt.Errorf("%w: this one has %d", ErrPluginConfigTooLarge, len(body))
	}
	t := bytes.TrimSpace(body)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	if err := CheckPluginConfig(t); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, t); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPluginConfigInvalid, err)
	}
	return out.Bytes(), nil
}
