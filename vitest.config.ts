import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { PUBLISHED } from "./scripts/packages.mjs"

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

// Tests run against the TypeScript sources; the built packages are exercised by the CLI tests.
export default defineConfig({
  // the web app's components are Preact (its component tests run in happy-dom, per file)
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  resolve: {
    // exact names, so `@batchops/core/testing` is not read as a path under `@batchops/core`
    alias: [
      // core's concepts: `@batchops/core/pipeline` is packages/core/src/pipeline/index.ts
      {
        find: /^@batchops\/core\/([a-z-]+)$/,
        replacement: fileURLToPath(new URL("./packages/core/src/$1/index.ts", import.meta.url)),
      },
      ...PUBLISHED.map((pkg) => ({
        find: new RegExp(`^@batchops/${pkg}$`),
        replacement: src(pkg),
      })),
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.{ts,tsx}", "test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    // property tests run from a fixed seed (see the file)
    setupFiles: ["test/support/fastCheck.ts"],
    testTimeout: 60_000,
    // The JSON report lets CI print one plain closing line with the counts.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    hookTimeout: 120_000,
  },
})
