import { DataSourcePluginOptionsEditorProps } from "@grafana/data";
import { InlineField, Input, SecretInput } from "@grafana/ui";

import type { EdgedeskOptions, EdgedeskSecrets } from "../types";

// ConfigEditor asks for the hub's HTTP API and its admin token (kept in
// Grafana's secure settings, never sent back to the browser).
export function ConfigEditor({ options, onOptionsChange }: DataSourcePluginOptionsEditorProps<EdgedeskOptions, EdgedeskSecrets>) {
  const secure = options.secureJsonFields ?? {};
  return (
    <>
      <InlineField label="Hub URL" labelWidth={16} tooltip="The hub's HTTP API, e.g. https://hub.example.com:8443">
        <Input
          width={40}
          placeholder="https://hub.example.com:8443"
          value={options.jsonData.url ?? ""}
          onChange={(e) => onOptionsChange({ ...options, jsonData: { ...options.jsonData, url: e.currentTarget.value } })}
        />
      </InlineField>
      <InlineField label="Admin token" labelWidth={16} tooltip="The file admin-token in the hub's data directory">
        <SecretInput
          width={40}
          isConfigured={Boolean(secure.token)}
          value={options.secureJsonData?.token ?? ""}
          onChange={(e) => onOptionsChange({ ...options, secureJsonData: { token: e.currentTarget.value } })}
          onReset={() =>
            onOptionsChange({ ...options, secureJsonFields: { ...secure, token: false }, secureJsonData: { token: "" } })
          }
        />
      </InlineField>
    </>
  );
}
