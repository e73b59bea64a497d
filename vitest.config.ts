import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

// Tests run against the TypeScript sources; the built packages are exercised by the CLI tests.
export default defineConfig({
  // the web app's components are Preact (its component tests run in happy-dom, per file)
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  resolve: {
    alias: {
      "@batchops/core": src("core"),
      "@batchops/parsers": src("parsers"),
      "@batchops/reports": src("reports"),
      "@batchops/store-sql": src("store-sql"),
      "@batchops/queue-bullmq": src("queue-bullmq"),
      "@batchops/server": src("server"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.{ts,tsx}", "test/**/*.test.ts"],
    testTimeout: 60_000,
    // The JSON report lets CI print one plain closing line with the counts.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    hookTimeout: 120_000,
  },
})
