// The web app's weight: the JavaScript and CSS the browser downloads from the production build
// (packages/web/dist), raw and gzipped, against the budget of 150 KB of gzipped JavaScript in
// total (every screen included, though each is only loaded when opened). Run after the build.
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const BUDGET = 150 * 1024
const assets = join(dirname(fileURLToPath(import.meta.url)), "..", "packages", "web", "dist", "assets")

/** Each asset's raw and gzipped size, and the JavaScript totals. */
export const webSize = () => {
  const files = readdirSync(assets)
    .filter((name) => name.endsWith(".js") || name.endsWith(".css"))
    .map((name) => {
      const bytes = readFileSync(join(assets, name))
      return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
    })
  const js = files.filter((file) => file.name.endsWith(".js"))
  return {
    files,
    jsRaw: js.reduce((sum, file) => sum + file.raw, 0),
    jsGzip: js.reduce((sum, file) => sum + file.gzip, 0),
    budget: BUDGET,
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = webSize()
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`
  for (const file of size.files.sort((a, b) => b.gzip - a.gzip)) {
    console.log(`${file.name.padEnd(40)} ${kb(file.raw).padStart(10)} ${kb(file.gzip).padStart(10)} gzip`)
  }
  console.log(`web app JavaScript: ${kb(size.jsRaw)}, ${kb(size.jsGzip)} gzipped (budget ${kb(size.budget)})`)
  if (size.jsGzip > size.budget) {
    console.error("over budget")
    process.exit(1)
  }
}
