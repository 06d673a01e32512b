import { QueryEditorProps } from "@grafana/data";
import { Combobox, InlineField, Input, Stack } from "@grafana/ui";

import type { DataSource } from "./datasource";
import { EdgedeskOptions, EdgedeskQuery, Measure, measures } from "../types";

// QueryEditor picks the tenant and the metric.
export function QueryEditor({ query, onChange, onRunQuery }: QueryEditorProps<DataSource, EdgedeskQuery, EdgedeskOptions>) {
  return (
    <Stack gap={1}>
      <InlineField label="Tenant" labelWidth={10} tooltip="Whose conversations">
        <Input
          width={20}
          value={query.tenant ?? ""}
          onChange={(e) => onChange({ ...query, tenant: e.currentTarget.value })}
          onBlur={onRunQuery}
        />
      </InlineField>
      <InlineField label="Group by" labelWidth={10} tooltip="Response and resolution times only">
        <Combobox
          width={16}
          options={["region", "channel", "inbox", "agent"].map((v) => ({ value: v, label: v }))}
          value={query.groupBy ?? "region"}
          onChange={(v) => {
            onChange({ ...query, groupBy: v.value as EdgedeskQuery["groupBy"] });
            onRunQuery();
          }}
        />
      </InlineField>
      <InlineField label="Interval" labelWidth={10} tooltip="A duration: 1h, 24h">
        <Input width={8} placeholder="1h" value={query.interval ?? ""} onChange={(e) => onChange({ ...query, interval: e.currentTarget.value })} onBlur={onRunQuery} />
      </InlineField>
      <InlineField label="Metric" labelWidth={10}>
        <Combobox
          width={32}
          options={measures}
          value={query.measure ?? "first_response"}
          onChange={(v) => {
            onChange({ ...query, measure: v.value as Measure });
            onRunQuery();
          }}
        />
      </InlineField>
    </Stack>
  );
}
