import { defineConfig } from "vitest/config";

// @grafana/data's ES build imports CommonJS packages (moment-timezone) by
// name, which Node's loader refuses: Vite transforms it instead.
export default defineConfig({
  esbuild: { jsx: "automatic" },
  test: { include: ["src/**/*.test.ts"], server: { deps: { inline: [/@grafana\//] } } },
});
