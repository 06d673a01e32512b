import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { defineConfig, Plugin } from "vite";

// Grafana loads each plugin's module.js as an AMD module whose
// dependencies (React, @grafana/*, rxjs) it provides itself. One build
// per plugin (the app, the data source, the panel), into dist/ where
// Grafana finds them with their plugin.json, images and dashboards.
const entries: Record<string, { entry: string; out: string }> = {
  app: { entry: "src/module.ts", out: "dist" },
  datasource: { entry: "src/datasource/module.ts", out: "dist/datasource" },
  queueboard: { entry: "src/panels/queueboard/module.ts", out: "dist/panels/queueboard" },
};
const which = entries[process.env.PLUGIN ?? "app"];
if (!which) throw new Error(`PLUGIN=${process.env.PLUGIN}: one of ${Object.keys(entries).join(", ")}`);

const external = ["react", "react-dom", "react/jsx-runtime", "@grafana/data", "@grafana/ui", "@grafana/runtime", "@grafana/schema", "rxjs", "@emotion/css"];

// statics copies plugin.json (with its version and date filled in), the
// logo and, for the app, the dashboards.
function statics(): Plugin {
  return {
    name: "edgedesk-statics",
    closeBundle() {
      const src = dirname(which.entry);
      const version = JSON.parse(readFileSync("package.json", "utf8")).version;
      const json = readFileSync(`${src}/plugin.json`, "utf8").replace("%VERSION%", version).replace("%TODAY%", new Date().toISOString().slice(0, 10));
      mkdirSync(`${which.out}/img`, { recursive: true });
      writeFileSync(`${which.out}/plugin.json`, json);
      cpSync(`${src}/img/logo.svg`, `${which.out}/img/logo.svg`);
      if (which.out === "dist") cpSync("src/dashboards", "dist/dashboards", { recursive: true });
    },
  };
}

export default defineConfig({
  esbuild: { jsx: "automatic" },
  plugins: [statics()],
  build: {
    outDir: which.out,
    emptyOutDir: which.out === "dist",
    target: "es2020",
    sourcemap: false,
    lib: { entry: which.entry, formats: ["amd" as any], fileName: () => "module.js" },
    rollupOptions: { external, output: { format: "amd", amd: { autoId: false } } },
  },
});
