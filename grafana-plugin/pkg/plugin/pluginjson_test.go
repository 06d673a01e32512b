package plugin_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/edgedesk/edgedesk/grafana-plugin/pkg/plugin"
)

// The app's plugin.json includes the data source, the panel and the
// dashboard it ships, each there with a plugin.json of its own; the
// dashboard is JSON whose panels use them.
func TestAppPluginJSON(t *testing.T) {
	var app struct {
		Type, ID string
		Includes []struct{ Type, Name, Path string }
	}
	read(t, "../../src/plugin.json", &app)
	if app.Type != "app" || app.ID != "edgedesk-app" || len(app.Includes) != 3 {
		t.Fatalf("the app's plugin.json: %+v", app)
	}
	var panel struct{ Type, ID string }
	read(t, "../../src/panels/queueboard/plugin.json", &panel)
	if panel.Type != "panel" || panel.ID != "edgedesk-queueboard-panel" {
		t.Fatalf("the panel's plugin.json: %+v", panel)
	}
	var dash struct {
		UID    string
		Panels []struct {
			Type       string
			Datasource struct{ Type string }
			Targets    []struct{ Measure string }
		}
	}
	for _, inc := range app.Includes {
		if inc.Type == "dashboard" {
			read(t, "../../src/"+inc.Path, &dash)
		}
	}
	seen := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Datasource.Type != plugin.ID || len(p.Targets) == 0 {
			t.Fatalf("a dashboard panel not on the hub: %+v", p)
		}
		seen[p.Type+"/"+p.Targets[0].Measure] = true
	}
	for _, want := range []string{"edgedesk-queueboard-panel/queue", "timeseries/first_response", "timeseries/resolution", "timeseries/volume", "timeseries/csat", "heatmap/volume", "timeseries/sentiment"} {
		if !seen[want] {
			t.Errorf("the dashboard has no %s panel (it has %v)", want, seen)
		}
	}
}

func read(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

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
