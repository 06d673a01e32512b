import { defineConfig } from "vite";

// The panel's test page: the queue board rendered by itself, for the
// browser test (e2e/panel.mjs), with React and @grafana/data bundled in.
export default defineConfig({
  root: "e2e",
  base: "./",
  esbuild: { jsx: "automatic" },
  build: { outDir: "../dist-harness", emptyOutDir: true, target: "es2020" },
});
