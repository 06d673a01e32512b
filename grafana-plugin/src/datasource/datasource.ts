import { DataQueryRequest, DataQueryResponse, DataSourceInstanceSettings, LiveChannelScope, ScopedVars } from "@grafana/data";
import { DataSourceWithBackend, getGrafanaLiveSrv, getTemplateSrv } from "@grafana/runtime";
import { merge, Observable } from "rxjs";

import type { EdgedeskOptions, EdgedeskQuery } from "../types";

// DataSource asks the backend (grafana-plugin/pkg) for the hub's metrics;
// a "queue" query follows the backend's live stream of the tenant's queue.
export class DataSource extends DataSourceWithBackend<EdgedeskQuery, EdgedeskOptions> {
  constructor(settings: DataSourceInstanceSettings<EdgedeskOptions>) {
    super(settings);
  }

  getDefaultQuery(): Partial<EdgedeskQuery> {
    return { measure: "first_response" };
  }

  filterQuery(q: EdgedeskQuery): boolean {
    return Boolean(q.tenant);
  }

  // applyTemplateVariables fills in the dashboard's variables ($tenant).
  applyTemplateVariables(q: EdgedeskQuery, scopedVars: ScopedVars): EdgedeskQuery {
    const srv = getTemplateSrv();
    const fill = (v?: string) => (v ? srv.replace(v, scopedVars) : v);
    return { ...q, tenant: fill(q.tenant), region: fill(q.region), channel: fill(q.channel), inbox: fill(q.inbox), interval: fill(q.interval) };
  }

  query(request: DataQueryRequest<EdgedeskQuery>): Observable<DataQueryResponse> {
    const live = request.targets
      .filter((t) => t.measure === "queue" && t.tenant && !t.hide)
      .map((t) => this.applyTemplateVariables(t, request.scopedVars));
    if (live.length === 0) return super.query(request);
    const streams: Observable<DataQueryResponse>[] = live.map((t) =>
      getGrafanaLiveSrv().getDataStream({
        key: `${request.requestId}-${t.refId}`,
        addr: { scope: LiveChannelScope.DataSource, stream: this.uid, path: `queue/${t.tenant}` },
      }),
    );
    const rest = request.targets.filter((t) => t.measure !== "queue");
    if (rest.length > 0) streams.push(super.query({ ...request, targets: rest }));
    return merge(...streams);
  }
}
