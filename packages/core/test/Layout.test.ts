/**
 * core's layout: one folder per concept, each a subpath export, and an explicit export list
 * (no `export *`) at the root and in every concept's index.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const pkg = fileURLToPath(new URL("..", import.meta.url))
const src = join(pkg, "src")
const walk = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
const sources = walk(src).filter((file) => file.endsWith(".ts"))
const concepts = readdirSync(src).filter(
  (name) => statSync(join(src, name)).isDirectory() && readdirSync(join(src, name)).includes("index.ts"),
)

describe("@batchops/core's layout", () => {
  it("keeps every module in a concept folder: the root holds only the index", () => {
    expect(readdirSync(src).filter((name) => statSync(join(src, name)).isFile())).toEqual(["index.ts"])
  })

  it("publishes each concept folder as a subpath export, and no other", () => {
    const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"))
    const subpaths = Object.keys(manifest.exports)
      .filter((key) => key !== "." && key !== "./package.json")
      .map((key) => key.slice(2))
    expect(subpaths.sort()).toEqual([...concepts].sort())
    for (const concept of concepts) {
      expect(manifest.exports[`./${concept}`].import.default).toBe(`./dist/${concept}/index.js`)
      expect(manifest.typesVersions["*"][concept]).toEqual([`./dist/${concept}/index.d.cts`])
    }
  })

  it("lists its exports by name: no `export *` anywhere", () => {
    const starred = sources.filter((file) => /^export (type )?\*/m.test(readFileSync(file, "utf8")))
    expect(starred.map((file) => relative(src, file))).toEqual([])
  })

  it("imports modules, never a concept's index, inside the package (the folders add no cycles)", () => {
    const throughIndex = sources
      .filter((file) => relative(src, file) !== "index.ts")
      .filter((file) => /from "\.{1,2}\/(?:[\w-]+\/)*index\.js"/.test(readFileSync(file, "utf8")))
      // a concept's own index re-exports its modules; testing imports the package by name
      .filter((file) => !file.endsWith("index.ts"))
    expect(throughIndex.map((file) => relative(src, file))).toEqual([])
  })
})
