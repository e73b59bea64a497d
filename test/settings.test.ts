/**
 * The settings table of docs/operations.md is the one list of what BatchOps reads from the
 * environment: every setting a package's source names is a row there, and every row is read.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { root } from "./helpers.js"

const PACKAGES = ["core", "parsers", "automations", "reports", "store-sql", "queue-bullmq", "mailer-smtp", "server"]
const SETTING =
  /\b(BATCHOPS_[A-Z0-9_]*[A-Z0-9]|EMAIL_[A-Z_]*[A-Z]|DB_(?:NAME|USER|PASSWORD|HOST|PORT)|DATABASE_URL|REDIS_URL|EXPORT_DIR|DEFAULT_FROM_EMAIL)\b/g

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : /\.tsx?$/.test(entry.name)
        ? [readFileSync(join(dir, entry.name), "utf8")]
        : [],
  )

/** The settings the packages' sources name (HOST and PORT only where an environment record or a declaration reads them). */
const named = (): Set<string> => {
  const names = new Set<string>()
  for (const pkg of PACKAGES) {
    for (const text of sources(join(root, "packages", pkg, "src"))) {
      for (const match of text.matchAll(SETTING)) names.add(match[1]!)
      for (const match of text.matchAll(/\benv\.(HOST|PORT)\b|"(HOST|PORT)"/g)) names.add((match[1] ?? match[2])!)
    }
  }
  return names
}

/** The settings the table of docs/operations.md lists (every name in a row's first cell). */
const documented = (): Set<string> => {
  const page = readFileSync(join(root, "docs", "operations.md"), "utf8")
  const start = page.indexOf("\n## Settings\n")
  const section = page.slice(start, page.indexOf("\n## ", start + 1))
  const rows = section.split("\n").filter((line) => line.startsWith("| `"))
  return new Set(rows.flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!)))
}

describe("the settings table", () => {
  it("lists every setting the packages read, and nothing they do not", () => {
    const inCode = named()
    const inTable = documented()
    expect(inCode.size).toBeGreaterThan(30)
    expect([...inCode].filter((name) => !inTable.has(name)).sort(), "read but not in docs/operations.md").toEqual([])
    expect([...inTable].filter((name) => !inCode.has(name)).sort(), "in docs/operations.md but read nowhere").toEqual(
      [],
    )
  })
})
