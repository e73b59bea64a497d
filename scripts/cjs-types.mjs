// Gives every published package's CommonJS entries their own declarations: each `.d.ts` that
// tsc emitted into `dist/` gets a `.d.cts` twin whose relative imports name `.cjs` files, so
// TypeScript reads `require("@batchops/core")` as CommonJS and `import` as ESM.
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { PUBLISHED } from "./packages.mjs"

const packages = PUBLISHED
const relative = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*?)\.js(["'])/g

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  )

let written = 0
for (const name of packages) {
  const dist = new URL(`../packages/${name}/dist/`, import.meta.url).pathname
  for (const file of walk(dist).filter((path) => path.endsWith(".d.ts"))) {
    const text = readFileSync(file, "utf8").replace(relative, "$1$2.cjs$3")
    writeFileSync(file.replace(/\.d\.ts$/, ".d.cts"), text)
    written += 1
  }
}
console.log(`cjs-types: ${written} .d.cts files`)
