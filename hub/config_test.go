package hub

import (
	"path/filepath"
	"strings"
	"testing"
)

// The checked-in sample loads strictly and holds the defaults.
func TestSampleConfigHoldsTheDefaults(t *testing.T) {
	c := Default()
	c.DataDir = "elsewhere"
	if err := c.LoadFile(filepath.Join("..", "deploy", "hub.sample.yaml")); err != nil {
		t.Fatal(err)
	}
	if c != Default() {
		t.Fatalf("sample %+v, defaults %+v", c, Default())
	}
}

func TestConfigSaysWhatIsWrong(t *testing.T) {
	c := Default()
	c.HTTP, c.CertTTL = "nowhere", 0
	err := c.Validate()
	for _, want := range []string{`http: "nowhere" is not host:port`, "cert_ttl", "admin_token_file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to say %q", err, want)
		}
	}
}
