// Copies what a package needs at run time from elsewhere in the repository into the package
// before `npm pack` (and removes the copy after): the SQL migrations into @batchops/store-sql,
// the built web app into @batchops/server.
//
//   node scripts/pack-assets.mjs <store-sql|server> [--clean]
import { cpSync, existsSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const assets = {
  "store-sql": { from: `${root}migrations`, to: `${root}packages/store-sql/migrations` },
  server: { from: `${root}packages/web/dist`, to: `${root}packages/server/web` },
}

const [name, flag] = process.argv.slice(2)
const asset = assets[name]
if (asset === undefined) {
  console.error(`pack-assets: unknown package "${name}" (known: ${Object.keys(assets).join(", ")})`)
  process.exit(2)
}
rmSync(asset.to, { recursive: true, force: true })
if (flag !== "--clean") {
  if (!existsSync(asset.from)) {
    console.error(`pack-assets: ${asset.from} is missing; run npm run build first`)
    process.exit(1)
  }
  cpSync(asset.from, asset.to, { recursive: true })
}
