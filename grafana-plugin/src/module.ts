// The Edgedesk app: it brings the hub's data source, the regional queue
// board and the service dashboard (plugin.json).
import { AppPlugin } from "@grafana/data";

export const plugin = new AppPlugin<{}>();
