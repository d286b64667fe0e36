// The web UI's build and dev server. `npm run dev` proxies /api (and SWA's /.auth) to the local host,
// so the UI talks to the real API with hot reload; FUNCSPACE_API_URL points it elsewhere.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const apiUrl = process.env.FUNCSPACE_API_URL ?? "http://127.0.0.1:7071";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Preact's automatic JSX runtime, without a plugin.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // CodeMirror is most of the bytes; it is split into its own chunk and loaded by the editor only.
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: { "/api": { target: apiUrl, changeOrigin: false } },
  },
});
