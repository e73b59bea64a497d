#!/usr/bin/env node
/**
 * Reads the mutation report Stryker wrote (reports/mutation/mutation.json) and holds the rules'
 * modules to what docs/testing.md promises:
 *
 * - every mutant is killed, or ignored where it is made, by a `// Stryker disable` comment that
 *   says why it is equivalent (no behaviour can tell it apart) or accepted;
 * - at least 85% of the mutants of each module are killed: equivalent mutants (no behaviour can
 *   tell them from the code) are left out of the count, accepted ones count as alive.
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

const keyOf = (file, m) =>
  `${file}:${m.location.start.line}:${m.location.start.column}:${m.mutatorName}:${m.replacement ?? ""}`

/**
 * Tests the surviving mutants again, alone: in a run over all the modules, Stryker's per-test
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

{
  const survivors = []
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) if (m.status === "Survived") survivors.push({ file, m })
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

const rows = []
const alive = []
const reasons = []
for (const [file, { mutants, source }] of Object.entries(report.files)) {
  const count = (status) => mutants.filter((m) => m.status === status).length
  const killed = count("Killed")
  const timeout = count("Timeout")
  const survived = count("Survived")
  const noCoverage = count("NoCoverage")
  const reasonOf = (m) => (m.statusReason ?? "").replace(/^Ignored by disable comment: ?/i, "")
  const ignored = mutants.filter((m) => m.status === "Ignored")
  const equivalent = ignored.filter((m) => reasonOf(m).startsWith("equivalent")).length
  const accepted = ignored.length - equivalent
  const score = (100 * (killed + timeout)) / (killed + timeout + survived + noCoverage + accepted)
  rows.push({ file, module: MODULES[file] ?? file, score, killed, timeout, survived, noCoverage, equivalent, accepted })
  const lines = source.split("\n")
  for (const m of mutants) {
    if (m.status === "Survived" || m.status === "NoCoverage")
      alive.push({ file, m, line: lines[m.location.start.line - 1] })
  }
  // one entry per comment: the lines it covers and what it says
  const byReason = new Map()
  for (const m of ignored) {
    const reason = reasonOf(m) || "(no reason given)"
    const entry = byReason.get(reason) ?? { file, reason, lines: new Set(), mutators: new Set(), count: 0 }
    entry.lines.add(m.location.start.line)
    entry.mutators.add(m.mutatorName)
    entry.count++
    byReason.set(reason, entry)
  }
  reasons.push(...byReason.values())
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
if (alive.length > 0) {
  console.log(
    `\n${alive.length} mutant(s) survived without a word on why (kill each with a test, or say why where it is made):`,
  )
  for (const { file, m, line } of alive) {
    console.log(
      `  ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} (${m.status})\n` +
        `    ${line.trim()}\n    -> ${(m.replacement ?? "").replace(/\s+/g, " ")}`,
    )
  }
  ok = false
}

if (process.argv.includes("--docs")) {
  const list = reasons
    .sort((a, b) => a.file.localeCompare(b.file) || Math.min(...a.lines) - Math.min(...b.lines))
    .map((e) => {
      const where = `${e.file.replace(/^packages\//, "")}:${[...e.lines].sort((a, b) => a - b).join(",")}`
      return `- \`${where}\` (${e.count}, ${[...e.mutators].join(", ")}): ${e.reason}`
    })
    .join("\n")
  const generated = `<!-- generated by node scripts/mutation-check.mjs --docs -->\n${table}\n\nThe mutants no test can kill, each with the reason written where it is made (\`// Stryker disable\`):\n\n${list}\n<!-- end of generated part -->`
  const path = resolve(root, "docs/testing.md")
  const docs = readFileSync(path, "utf8")
  const start = docs.indexOf("<!-- generated by node scripts/mutation-check.mjs --docs -->")
  const end = docs.indexOf("<!-- end of generated part -->")
  if (start < 0 || end < 0) throw new Error("docs/testing.md has no generated part to rewrite")
  writeFileSync(path, docs.slice(0, start) + generated + docs.slice(end + "<!-- end of generated part -->".length))
}

process.exitCode = ok ? 0 : 1
