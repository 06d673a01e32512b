package plugin_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
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
			Title           string
			Type            string
			Datasource      struct{ Type string }
			Targets         []struct{ Measure string }
			Transformations []struct {
				ID      string
				Options struct {
					Include struct{ Pattern string }
				}
			}
		}
	}
	for _, inc := range app.Includes {
		if inc.Type == "dashboard" {
			read(t, "../../src/"+inc.Path, &dash)
		}
	}
	// the fields each measure's frames have, as the backend names them
	// ("p50 eu": the display name of a series of region eu)
	fields := map[string][]string{
		"first_response": {"p50", "p90", "count", "breached", "breach_rate"}, "resolution": {"p50", "p90", "count", "breached", "breach_rate"},
		"next_response": {"p50", "p90", "count", "breached", "breach_rate"}, "volume": {"opened", "expected", "lower", "upper", "anomaly"},
		"csat": {"ratings", "mean", "satisfied"}, "sentiment": {"readings", "mean", "positive"},
	}
	seen := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Datasource.Type != plugin.ID || len(p.Targets) == 0 {
			t.Fatalf("a dashboard panel not on the hub: %+v", p)
		}
		m := p.Targets[0].Measure
		seen[p.Type+"/"+m] = true
		for _, tr := range p.Transformations {
			if tr.ID != "filterFieldsByName" {
				continue
			}
			re, err := regexp.Compile(tr.Options.Include.Pattern)
			if err != nil {
				t.Fatalf("panel %q: %v", p.Title, err)
			}
			var kept []string
			for _, f := range fields[m] {
				if re.MatchString(f+" eu") && re.MatchString(f) {
					kept = append(kept, f)
				}
			}
			if len(kept) == 0 || !re.MatchString("time") {
				t.Errorf("panel %q keeps none of %s's fields %v (or not the time)", p.Title, m, fields[m])
			}
			seen[p.Type+"/"+m+"/"+strings.Join(kept, ",")] = true
		}
	}
	for _, want := range []string{"edgedesk-queueboard-panel/queue", "timeseries/first_response/p50,p90", "timeseries/resolution/p50,p90",
		"timeseries/volume", "timeseries/csat", "heatmap/volume/opened", "timeseries/sentiment",
		"timeseries/first_response/breach_rate", "timeseries/resolution/breach_rate"} {
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
