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
	// Analytics: the event table's rows are rolled to a Parquet file every
	// Roll (at the turn of each period of the hub's clock) and kept in
	// memory for Memory after; older ones are read from their files when
	// a query needs them.
	Analytics struct {
		Roll   time.Duration `yaml:"roll"`
		Memory time.Duration `yaml:"memory"`
	} `yaml:"analytics"`
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
	c.Analytics.Roll, c.Analytics.Memory = time.Hour, 8*24*time.Hour
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
	if c.Analytics.Roll < time.Second || c.Analytics.Roll > 24*time.Hour {
		errs = append(errs, fmt.Errorf("analytics.roll: %v is not from 1s to 24h", c.Analytics.Roll))
	}
	if c.Analytics.Memory < 0 {
		errs = append(errs, fmt.Errorf("analytics.memory: %v is negative", c.Analytics.Memory))
	}
	if !c.Dev && c.AdminTokenFile == "" {
		errs = append(errs, errors.New("admin_token_file: name a file holding the operators' API token (or run with --dev)"))
	}
	return errors.Join(errs...)
}
