package plugin_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/edgedesk/edgedesk/grafana-plugin/pkg/plugin"
)

// The data source's plugin.json says what Grafana needs to start this
// backend: its id, that it has a backend and streams, and the executable.
func TestDatasourcePluginJSON(t *testing.T) {
	b, err := os.ReadFile("../../src/datasource/plugin.json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Type, Name, ID, Executable  string
		Backend, Streaming, Metrics bool
		Info                        struct {
			Version string
			Author  struct{ Name string }
			Logos   struct{ Small, Large string }
		}
		Dependencies struct{ GrafanaDependency string }
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("plugin.json: %v", err)
	}
	if p.Type != "datasource" || p.ID != plugin.ID || !p.Backend || !p.Streaming || !p.Metrics || p.Executable != "gpx_edgedesk" ||
		p.Name == "" || p.Info.Version == "" || p.Info.Author.Name == "" || p.Info.Logos.Small == "" || p.Dependencies.GrafanaDependency == "" {
		t.Fatalf("plugin.json: %+v", p)
	}
}
