import { readFileSync } from "node:fs"
import { defineConfig, type Options } from "tsup"

/** A package's dependencies stay imports (with their subpaths), never bundled. */
const externals = (name: string) => {
  const manifest = JSON.parse(readFileSync(`packages/${name}/package.json`, "utf8"))
  const names = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
  return names.map((dep) => new RegExp(`^${dep.replace(/[/.]/g, "\\$&")}(/.*)?$`))
}

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
  external: externals(name),
  splitting: false,
  shims: true,
})

export default defineConfig([
  pkg("core"),
  pkg("parsers"),
  pkg("reports"),
  pkg("server", ["src/index.ts", "src/cli.ts"]),
])
