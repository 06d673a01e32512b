package hub

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config configures a hub. Start from Default, load a file, apply flags,
// then Validate.
type Config struct {
	DataDir string `yaml:"data_dir"`
	// HTTP serves health, metrics and the operators' API.
	HTTP string `yaml:"http"`
	// QUIC is the UDP address edges enrol and sync on.
	QUIC string `yaml:"quic"`
	// AdminTokenFile holds the bearer token of the operators' API. With
	// Dev and no file, the hub writes one to <data>/dev-admin-token.
	AdminTokenFile string `yaml:"admin_token_file"`
	// CertTTL is how long an edge certificate is valid.
	CertTTL time.Duration `yaml:"cert_ttl"`
	// TokenTTL is how long an enrolment token may be used.
	TokenTTL time.Duration `yaml:"token_ttl"`
	// Dev writes a reusable dev enrolment token and a dev admin token to
	// the data directory.
	Dev bool `yaml:"dev"`
	Log struct {
		Level  string `yaml:"level"`
		Format string `yaml:"format"`
	} `yaml:"log"`
}

// Default is a hub on its embedded defaults.
func Default() Config {
	c := Config{DataDir: "data/hub", HTTP: "127.0.0.1:8090", QUIC: "127.0.0.1:4443",
		CertTTL: 365 * 24 * time.Hour, TokenTTL: 24 * time.Hour}
	c.Log.Level, c.Log.Format = "info", "text"
	return c
}

// LoadFile reads a YAML config strictly: unknown keys are errors.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// Validate says what is wrong with the configuration, all at once.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir: set a directory for the hub's log, state and authority"))
	}
	for name, a := range map[string]string{"http": c.HTTP, "quic": c.QUIC} {
		if _, _, err := net.SplitHostPort(a); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not host:port", name, a))
		}
	}
	if c.CertTTL < time.Hour {
		errs = append(errs, fmt.Errorf("cert_ttl: %v is under an hour", c.CertTTL))
	}
	if c.TokenTTL < time.Minute {
		errs = append(errs, fmt.Errorf("token_ttl: %v is under a minute", c.TokenTTL))
	}
	if !c.Dev && c.AdminTokenFile == "" {
		errs = append(errs, errors.New("admin_token_file: name a file holding the operators' API token (or run with --dev)"))
	}
	return errors.Join(errs...)
}
