import { spawnSync } from "node:child_process"
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
// @ts-expect-error: a plain script without declarations
import { snippetNames, snippetPages, withSnippets } from "../scripts/snippets.mjs"
import { root } from "./helpers.js"

const docs = join(root, "docs")
const snippets = join(docs, "snippets")
const files = readdirSync(snippets).filter((name) => /\.(ts|mjs)$/.test(name))
const pages: ReadonlyArray<string> = snippetPages()
// snippets run in an empty folder holding the sample gradebook, as a reader's project would
const work = mkdtempSync(join(tmpdir(), "batchops-snippets-"))
copyFileSync(join(root, "examples", "data", "gradebook.csv"), join(work, "gradebook.csv"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("the documentation's code", () => {
  it.each(pages)("%s shows its snippets exactly as the files the suite runs", (page) => {
    const text = readFileSync(join(root, page), "utf8")
    expect(withSnippets(text)).toBe(text)
  })

  it("every snippet file is shown on some page", () => {
    const shown = new Set(pages.flatMap((page) => snippetNames(readFileSync(join(root, page), "utf8"))))
    expect(files.filter((file) => !shown.has(file))).toEqual([])
  })

  // each snippet checks its own outcome (node:assert) and exits non-zero when it does not hold
  it.each(files)("docs/snippets/%s runs against the built packages", (file) => {
    const child = spawnSync(process.execPath, [join(snippets, file)], {
      cwd: work,
      encoding: "utf8",
      timeout: 120_000,
    })
    expect(child.stderr.replace(/^.*ExperimentalWarning.*\n?/gm, "")).toBe("")
    expect(child.status).toBe(0)
  })
})
