package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/edgedesk/edgedesk/edge/config"
)

// The checked-in sample must load, validate, and hold the defaults, so that
// it stays a true description of them.
func TestSampleConfigIsValidAndShowsTheDefaults(t *testing.T) {
	c := config.Default()
	if err := c.LoadFile(filepath.Join("..", "..", "deploy", "edge.sample.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	d := config.Default()
	d.Node = c.Node // the sample names a node; the default is the host name
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("sample differs from the defaults:\nsample  %+v\ndefault %+v", c, d)
	}
}

func TestPrecedenceFileEnv(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "e.yaml")
	if err := os.WriteFile(p, []byte("http:\n  addr: 127.0.0.1:9000\ndurability: group-fsync\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := config.Default()
	if err := c.LoadFile(p); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"EDGEDESK_HTTP": "127.0.0.1:9100"}
	if err := c.ApplyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:9100" || c.Durability != "group-fsync" {
		t.Fatalf("got addr %s durability %s", c.HTTP.Addr, c.Durability)
	}
	if err := c.LoadYAML([]byte("htp:\n  addr: x\n")); err == nil || !strings.Contains(err.Error(), "htp") {
		t.Fatalf("unknown key not refused by name: %v", err)
	}
}
