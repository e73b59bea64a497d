import preact from "@preact/preset-vite"
import { defineConfig } from "vite"

// The host serves the built app at `/`; `VITE_API_BASE_URL` (read by src/api/client.ts at
// build time) points an app served elsewhere at the host's API.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // one small entry and a chunk per screen, loaded when the screen is opened
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
})
