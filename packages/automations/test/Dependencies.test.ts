/**
 * The automations are a plugin like anyone's: built on core's public API and ports (and the
 * parsers' CSV reader), never on the host, so a portal can run them without the server.
 */
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const src = fileURLToPath(new URL("../src/", import.meta.url))
const manifest = JSON.parse(readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8"))

const imports = readdirSync(src)
  .filter((name) => name.endsWith(".ts"))
  .flatMap((name) =>
    [...readFileSync(`${src}${name}`, "utf8").matchAll(/^(?:import|export)[^"]*?from "([^"]+)"/gm)].map((match) => ({
      file: name,
      from: match[1]!,
    })),
  )

/** `@batchops/core/testing` belongs to `@batchops/core`, `effect/sql` to `effect`. */
const packageOf = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!

describe("@batchops/automations", () => {
  it("imports its own modules, node's, and only the packages its manifest names", () => {
    const outside = imports.filter(({ from }) => !from.startsWith("./") && !from.startsWith("node:"))
    expect(outside.length).toBeGreaterThan(0)
    expect(outside.filter(({ from }) => !(packageOf(from) in manifest.dependencies))).toEqual([])
  })

  it("never imports the server or a module outside its own folder", () => {
    expect(imports.filter(({ from }) => from.startsWith("../") || packageOf(from) === "@batchops/server")).toEqual([])
    expect(Object.keys(manifest.dependencies)).not.toContain("@batchops/server")
  })
})
