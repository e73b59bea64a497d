import { defineConfig, type Options } from "tsup"

/** One build definition for every publishable package: ESM + CJS; declarations come from tsc. */
const pkg = (name: string, entry: Array<string> = ["src/index.ts"]): Options => ({
  name: `@batchops/${name}`,
  entry: entry.map((file) => `packages/${name}/${file}`),
  outDir: `packages/${name}/dist`,
  format: ["esm", "cjs"],
  target: "node22",
  platform: "node",
  sourcemap: true,
  clean: true,
  dts: false,
  splitting: false,
  shims: true,
})

export default defineConfig([
  pkg("core"),
  pkg("parsers"),
  pkg("reports"),
  pkg("server", ["src/index.ts", "src/cli.ts"]),
])
