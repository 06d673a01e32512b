// The data source's query and settings, as the backend reads them
// (grafana-plugin/pkg/plugin: Query, Settings).
import type { DataQuery, DataSourceJsonData } from "@grafana/schema";

export type Measure = "first_response" | "next_response" | "resolution" | "volume" | "csat" | "sentiment" | "queue";

export interface EdgedeskQuery extends DataQuery {
  tenant?: string;
  measure?: Measure;
  groupBy?: "region" | "channel" | "inbox" | "agent";
  interval?: string; // a duration: 1h, 24h
  region?: string;
  channel?: string;
  inbox?: string;
}

export interface EdgedeskOptions extends DataSourceJsonData {
  url?: string; // the hub's HTTP API
}

export interface EdgedeskSecrets {
  token?: string; // the hub's admin token
}

export const measures: { value: Measure; label: string; description: string }[] = [
  { value: "first_response", label: "First response time", description: "p50 and p90 by region and hour" },
  { value: "next_response", label: "Next response time", description: "p50 and p90 by region and hour" },
  { value: "resolution", label: "Resolution time", description: "p50 and p90 by region and hour" },
  { value: "volume", label: "Volume and forecast", description: "conversations opened, the expected band, anomalies" },
  { value: "csat", label: "Satisfaction (CSAT)", description: "ratings, their mean and the share of 4s and 5s" },
  { value: "sentiment", label: "Sentiment trend", description: "the NLP plugin's readings: mean score, share positive" },
  { value: "queue", label: "Live queue", description: "customers waiting and the longest wait, streamed" },
];
