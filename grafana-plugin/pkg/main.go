// Command gpx_edgedesk is the backend of the Edgedesk data source, which
// Grafana starts as a plugin process (docs/grafana.md).
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/edgedesk/edgedesk/grafana-plugin/pkg/plugin"
)

func main() {
	if err := datasource.Manage(plugin.ID, plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("edgedesk data source", "err", err.Error())
		os.Exit(1)
	}
}
