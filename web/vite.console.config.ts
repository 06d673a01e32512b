import { defineConfig } from "vite";

// The agent console: a React app the edge serves under /console/ from the
// embedded dist/console. JSX is compiled by esbuild (no React plugin).
export default defineConfig({
  root: "src/console",
  base: "/console/",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "../../dist/console",
    emptyOutDir: true,
    target: "es2020",
  },
});
