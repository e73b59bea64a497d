#!/usr/bin/env node
/**
 * Reads the mutation report Stryker wrote (reports/mutation/mutation.json) and holds the rules'
 * modules to what docs/testing.md promises:
 *
 * - every mutant is killed, or listed in test/mutation/survivors.json, one entry per mutant (its
 *   file, the text of its line, its column, the kind of change and the replacement), with why it
 *   is equivalent (no behaviour can tell it from the code) or accepted (a real difference no test
 *   sensibly reaches);
 * - at least 85% of the mutants of each module are killed: equivalent mutants are left out of the
 *   count, accepted ones count as alive.
 *
 * An entry matches by the text of the line, not its number: a change elsewhere in the file keeps
 * it, a change to the line itself asks for it to be thought through again.
 *
 *   node scripts/mutation-check.mjs           the table and the check (exit 1 when it fails)
 *   node scripts/mutation-check.mjs --docs    also rewrites docs/testing.md's generated part
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"

const root = resolve(import.meta.dirname, "..")
const TARGET = 85
const report = JSON.parse(readFileSync(resolve(root, "reports/mutation/mutation.json"), "utf8"))
/** @type {Array<{ file: string, line: string, column: number, mutator: string, replacement: string, kind: "equivalent" | "accepted", reason: string }>} */
const listed = JSON.parse(readFileSync(resolve(root, "test/mutation/survivors.json"), "utf8"))

const keyOf = (file, m) =>
  `${file}:${m.location.start.line}:${m.location.start.column}:${m.mutatorName}:${m.replacement ?? ""}`

/**
 * Tests the surviving mutants not listed again, alone: in a run over all the modules, Stryker's per-test
 * coverage sometimes misses a test that reaches a mutant (so that test is not run against it);
 * run on their own lines, with only the tests of their module, they get every test that reaches
 * them. A mutant killed there is killed.
 */
const recheck = (survivors) => {
  if (survivors.length === 0) return new Map()
  const lines = [
    ...new Set(survivors.map(({ file, m }) => `${file}:${m.location.start.line}-${m.location.start.line}`)),
  ]
  const dir = mkdtempSync(join(tmpdir(), "batchops-mutation-"))
  try {
    const out = join(dir, "recheck.json")
    const config = join(dir, "recheck.config.mjs")
    writeFileSync(
      config,
      `import base from ${JSON.stringify(pathToFileURL(resolve(root, "stryker.config.mjs")).href)}\n` +
        `export default { ...base, incremental: false, mutate: ${JSON.stringify(lines)}, reporters: ["json"], jsonReporter: { fileName: ${JSON.stringify(out)} } }\n`,
    )
    const run = spawnSync("npx", ["stryker", "run", config], { cwd: root, encoding: "utf8" })
    if (run.status !== 0) {
      console.log(run.stdout.slice(-3000), run.stderr.slice(-3000))
      throw new Error("the second run of the surviving mutants failed")
    }
    const again = JSON.parse(readFileSync(out, "utf8"))
    const status = new Map()
    for (const [file, { mutants }] of Object.entries(again.files)) {
      for (const m of mutants) status.set(keyOf(file, m), m.status)
    }
    return status
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The module names docs/testing.md uses, by file. */
const MODULES = {
  "packages/core/src/pipeline/Coerce.ts": "coercion (`Coerce.ts`)",
  "packages/core/src/pipeline/Statistics.ts": "statistics (`Statistics.ts`)",
  "packages/core/src/pipeline/MassChangeGuard.ts": "mass-change guard (`MassChangeGuard.ts`)",
  "packages/core/src/known-errors/KnownError.ts": "known-error matching and order (`KnownError.ts`)",
  "packages/core/src/schedules/Schedule.ts": "schedules: cron, time zones, misfires (`Schedule.ts`)",
  "packages/parsers/src/CsvParser.ts": "CSV delimiter and line-break choice (`CsvParser.ts`)",
  "packages/reports/src/CsvFormat.ts": "CSV format safety (`CsvFormat.ts`)",
  "packages/accounts/src/SignInLimits.ts": "sign-in limits (`SignInLimits.ts`)",
  "packages/server/src/api/Api.ts": "role check (`api/Api.ts` `accessAllows`)",
}

const entryKey = (file, line, column, mutator, replacement) =>
  JSON.stringify([file, line.trim(), column, mutator, replacement.replace(/\s+/g, " ")])
const entries = new Map(listed.map((e) => [entryKey(e.file, e.line, e.column, e.mutator, e.replacement), e]))
const used = new Set()

{
  const survivors = []
  for (const [file, { mutants, source }] of Object.entries(report.files)) {
    const lines = source.split("\n")
    for (const m of mutants) {
      if (m.status !== "Survived" && m.status !== "NoCoverage") continue
      // a listed mutant is known to survive: only the others are tested again
      const line = lines[m.location.start.line - 1] ?? ""
      if (!entries.has(entryKey(file, line, m.location.start.column, m.mutatorName, m.replacement ?? ""))) {
        survivors.push({ file, m })
      }
    }
  }
  const again = recheck(survivors)
  let killed = 0
  for (const { file, m } of survivors) {
    const status = again.get(keyOf(file, m))
    if (status === "Killed" || status === "Timeout") {
      m.status = status
      killed++
    }
  }
  if (survivors.length > 0)
    console.log(`${killed} of ${survivors.length} surviving mutant(s) killed when tested alone\n`)
}

const rows = []
const unexplained = []
const explained = []
for (const [file, { mutants, source }] of Object.entries(report.files)) {
  const lines = source.split("\n")
  const count = (status) => mutants.filter((m) => m.status === status).length
  const killed = count("Killed")
  const timeout = count("Timeout")
  let equivalent = 0
  let accepted = 0
  let survived = 0
  let noCoverage = 0
  for (const m of mutants) {
    if (m.status !== "Survived" && m.status !== "NoCoverage") continue
    const line = lines[m.location.start.line - 1] ?? ""
    const key = entryKey(file, line, m.location.start.column, m.mutatorName, m.replacement ?? "")
    const entry = entries.get(key)
    if (entry === undefined) {
      unexplained.push({ file, m, line })
      if (m.status === "Survived") survived++
      else noCoverage++
      continue
    }
    used.add(key)
    explained.push({ file, m, entry })
    if (entry.kind === "equivalent") equivalent++
    else accepted++
  }
  const score = (100 * (killed + timeout)) / (killed + timeout + survived + noCoverage + accepted)
  rows.push({ file, module: MODULES[file] ?? file, score, killed, timeout, survived, noCoverage, equivalent, accepted })
}
rows.sort((a, b) => a.module.localeCompare(b.module))

const pct = (n) => `${n.toFixed(1)}%`
const table = [
  "| module | killed | timeout | equivalent | accepted | survived | no coverage | score |",
  "| ------ | ------ | ------- | ---------- | -------- | -------- | ----------- | ----- |",
  ...rows.map(
    (r) =>
      `| ${r.module} | ${r.killed} | ${r.timeout} | ${r.equivalent} | ${r.accepted} | ${r.survived} | ${r.noCoverage} | ${pct(r.score)} |`,
  ),
].join("\n")

console.log(table)
let ok = true
for (const r of rows) {
  if (r.score < TARGET) {
    console.log(`\n${r.module}: ${pct(r.score)} of its mutants killed, under the ${TARGET}% target`)
    ok = false
  }
}
if (unexplained.length > 0) {
  console.log(
    `\n${unexplained.length} mutant(s) survived without a word on why (kill each with a test, or list it in test/mutation/survivors.json with why):`,
  )
  for (const { file, m, line } of unexplained) {
    console.log(
      `  ${JSON.stringify({ file, line: line.trim(), column: m.location.start.column, mutator: m.mutatorName, replacement: (m.replacement ?? "").replace(/\s+/g, " "), kind: "", reason: "" })}`,
    )
  }
  ok = false
}
const stale = listed.filter((e) => !used.has(entryKey(e.file, e.line, e.column, e.mutator, e.replacement)))
if (stale.length > 0) {
  // not a failure: a listed mutant that a test now kills, or whose line changed, is simply no
  // longer a survivor; the entry is left to be removed
  console.log(`\n${stale.length} listed mutant(s) no longer survive (their entries can go):`)
  for (const e of stale) console.log(`  ${e.file}: ${e.line} (${e.mutator} -> ${e.replacement})`)
}

if (process.argv.includes("--docs")) {
  // one item per reason, with where it applies and how many mutants it covers
  const groups = new Map()
  for (const { file, m, entry } of explained) {
    const id = JSON.stringify([file, entry.kind, entry.reason])
    const group = groups.get(id) ?? { file, kind: entry.kind, reason: entry.reason, lines: new Set(), changes: [] }
    group.lines.add(m.location.start.line)
    group.changes.push(`${m.mutatorName} \`${(m.replacement ?? "").replace(/\s+/g, " ").replaceAll("`", "'")}\``)
    groups.set(id, group)
  }
  const list = [...groups.values()]
    .sort((a, b) => a.file.localeCompare(b.file) || Math.min(...a.lines) - Math.min(...b.lines))
    .map((g) => {
      const where = `${g.file.replace(/^packages\//, "")}:${[...g.lines].sort((a, b) => a - b).join(",")}`
      return `- \`${where}\`, ${g.kind}: ${g.reason} (${g.changes.length}: ${g.changes.join("; ")})`
    })
    .join("\n")
  const generated = `<!-- generated by node scripts/mutation-check.mjs --docs -->\n${table}\n\nThe mutants no test kills, each listed in \`test/mutation/survivors.json\` with why (line numbers as of the last full run):\n\n${list}\n<!-- end of generated part -->`
  const path = resolve(root, "docs/testing.md")
  const docs = readFileSync(path, "utf8")
  const start = docs.indexOf("<!-- generated by node scripts/mutation-check.mjs --docs -->")
  const end = docs.indexOf("<!-- end of generated part -->")
  if (start < 0 || end < 0) throw new Error("docs/testing.md has no generated part to rewrite")
  writeFileSync(path, docs.slice(0, start) + generated + docs.slice(end + "<!-- end of generated part -->".length))
}

process.exitCode = ok ? 0 : 1
