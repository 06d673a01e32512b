import { defineConfig } from "vite";

// The agent console: an app written against React's API (its types come
// from @types/react) and bundled with Preact's compat layer in React's
// place: the same components in a fraction of the bytes. The edge serves it
// under /console/ from the embedded dist/console. JSX is compiled by
// esbuild (no framework plugin).
export default defineConfig({
  root: "src/console",
  base: "/console/",
  esbuild: { jsx: "automatic" },
  resolve: {
    alias: [
      { find: /^react$/, replacement: "preact/compat" },
      { find: /^react-dom$/, replacement: "preact/compat" },
      { find: /^react-dom\/client$/, replacement: "preact/compat/client" },
      { find: /^react\/jsx-runtime$/, replacement: "preact/compat/jsx-runtime" },
      { find: /^react\/jsx-dev-runtime$/, replacement: "preact/compat/jsx-dev-runtime" },
    ],
  },
  build: {
    outDir: "../../dist/console",
    emptyOutDir: true,
    target: "es2020",
    reportCompressedSize: true,
  },
});
