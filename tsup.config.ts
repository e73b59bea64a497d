import { readFileSync } from "node:fs"
import { defineConfig, type Options } from "tsup"

/**
 * A package's dependencies stay imports (with their subpaths), never bundled; so does the
 * package's own name, which its subpath entries (`@batchops/core/testing`) import, so one
 * copy of the package's classes and services is loaded.
 */
const externals = (name: string) => {
  const manifest = JSON.parse(readFileSync(`packages/${name}/package.json`, "utf8"))
  const names = [manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })]
  return names.map((dep) => new RegExp(`^${dep.replace(/[/.]/g, "\\$&")}(/.*)?$`))
}

/** core's concept folders: its subpath exports (`./pipeline` ...), as its package.json lists them. */
const CORE_CONCEPTS = Object.keys(JSON.parse(readFileSync("packages/core/package.json", "utf8")).exports)
  .filter((key) => key !== "." && key !== "./package.json")
  .map((key) => key.slice(2))

/**
 * One build definition for every publishable package: ESM + CJS. Declarations come from tsc
 * (`npm run build:types`), and `scripts/cjs-types.mjs` gives the CommonJS entries their own
 * `.d.cts` copies.
 */
const pkg = (
  name: string,
  entry: Array<string> = ["src/index.ts"],
  { clean = true, splitting = false }: { readonly clean?: boolean; readonly splitting?: boolean } = {},
): Options => ({
  name: `@batchops/${name}`,
  entry: entry.map((file) => `packages/${name}/${file}`),
  outDir: `packages/${name}/dist`,
  format: ["esm", "cjs"],
  target: "node22",
  platform: "node",
  sourcemap: true,
  clean,
  dts: false,
  external: externals(name),
  splitting,
  shims: true,
})

/**
 * The `batchops` command is one bundled file (BatchOps and effect inside it): loading a few
 * hundred small modules at every start cost more than the work on a small file. The large
 * libraries that load on demand (SheetJS, pdfjs, pdfkit, fontkit) and the font stay outside.
 * The thread each file runs in loads the same way, once per file: one bundled file too, built
 * beside the command and into runner-node's own `dist/` (where its `runPipelineIsolated` finds
 * it), each with the thread that splits large delimited files, which the parsers inside the
 * bundle start from beside the bundle.
 */
const bundle = (name: string, entry: Record<string, string>, outDir: string): Options => ({
  name,
  entry,
  outDir,
  format: ["esm"],
  target: "node22",
  platform: "node",
  sourcemap: true,
  clean: false,
  dts: false,
  splitting: false,
  // @effect/sql-pg goes in with effect (one copy of effect's services); PGlite loads its
  // WebAssembly from its own folder, so it stays outside.
  noExternal: [/^@batchops\//, /^effect(\/.*)?$/, /^@effect\/sql-pg(\/.*)?$/, /^papaparse$/],
  // BullMQ loads only with REDIS_URL, from node_modules
  external: [
    /^bullmq(\/.*)?$/,
    /^ioredis(\/.*)?$/,
    /^xlsx(\/.*)?$/,
    /^pdfkit(\/.*)?$/,
    /^fontkit(\/.*)?$/,
    /^pdfjs-dist(\/.*)?$/,
    /^@embedpdf\//,
    /^@electric-sql\//,
  ],
})

const THREADS = {
  PipelineThread: "packages/runner-node/src/PipelineThread.ts",
  CsvThread: "packages/parsers/src/CsvThread.ts",
}

export default defineConfig([
  // one entry per concept (`@batchops/core/pipeline` ...); split into shared chunks, so a
  // program that imports the root and a concept loads one copy of each class and service
  pkg("core", ["src/index.ts", ...CORE_CONCEPTS.map((concept) => `src/${concept}/index.ts`)], { splitting: true }),
  // the thread that splits large delimited files is its own module, loaded by path
  pkg("parsers", ["src/index.ts", "src/CsvThread.ts"]),
  pkg("automations"),
  pkg("accounts"),
  pkg("reports"),
  pkg("store-sql"),
  pkg("queue-bullmq"),
  pkg("mailer-smtp"),
  // not cleaned: its threads are bundled into the same folder at the same time
  pkg("runner-node", ["src/index.ts"], { clean: false }),
  bundle("runner-node-threads", THREADS, "packages/runner-node/dist"),
  // not cleaned: the command's bundle is built into the same folder at the same time
  pkg("server", ["src/index.ts", "src/cli.ts"], { clean: false }),
  bundle("batchops-cli", { "batchops-cli": "packages/server/src/cli.ts", ...THREADS }, "packages/server/dist"),
])
