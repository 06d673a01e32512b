// The Edgedesk hub data source: its front end (the backend is
// grafana-plugin/pkg).
import { DataSourcePlugin } from "@grafana/data";

import { ConfigEditor } from "./ConfigEditor";
import { DataSource } from "./datasource";
import { QueryEditor } from "./QueryEditor";
import type { EdgedeskOptions, EdgedeskQuery, EdgedeskSecrets } from "../types";

export const plugin = new DataSourcePlugin<DataSource, EdgedeskQuery, EdgedeskOptions, EdgedeskSecrets>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
