import { defineConfig } from "vite";

// The widget is one script a website embeds (<script src=".../widget.js">):
// an IIFE with no imports, which the edge serves from the embedded dist/.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: false, // keeps dist/.gitkeep, which lets the Go embed compile before a build
    target: "es2020",
    lib: {
      entry: "src/widget/main.ts",
      name: "Edgedesk",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});
