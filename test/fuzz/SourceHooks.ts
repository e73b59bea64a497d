/**
 * Module hooks that let plain Node run BatchOps from its TypeScript sources, as vitest does:
 * `@batchops/<package>` resolves to the package's `src/index.ts`, and a relative `.js` import
 * from a `.ts` module to the `.ts` file beside it. Loaded with `--import` in the fuzzer's case
 * runners (with `--experimental-transform-types`, as the sources use parameter properties).
 */
import { existsSync } from "node:fs"
import { registerHooks } from "node:module"
import { fileURLToPath } from "node:url"

const packages = new URL("../../packages/", import.meta.url)

registerHooks({
  resolve(specifier, context, nextResolve) {
    const batchops = /^@batchops\/([a-z-]+)(\/testing)?$/.exec(specifier)
    if (batchops !== null) {
      const entry = new URL(`${batchops[1]}/src/${batchops[2] === undefined ? "" : "testing/"}index.ts`, packages)
      return { url: entry.href, shortCircuit: true }
    }
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
      const source = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL)
      if (existsSync(fileURLToPath(source))) return { url: source.href, shortCircuit: true }
    }
    return nextResolve(specifier, context)
  },
})
