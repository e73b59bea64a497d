// Fuzzing campaign: mutates generated CSV, XLSX, ODS and PDF files and runs each through the
// parsers and the pipeline in a child process with a heap ceiling and a time limit. Every
// outcome must be published or a named failure (see docs/security.md, "Fuzzing"); a failing
// case is written to --out as <seed>-<index>.<format>, to keep as a regression fixture in
// test/fixtures/fuzz/.
//
//   npm run fuzz -- [--count 500] [--seed <n>] [--from 0] [--jobs 1] [--timeout 10000] [--memory 512] [--out fuzz-failures]
//   npm run fuzz -- --replay <file>...
//
// Without --seed a new seed is drawn and printed, so a campaign can be run again exactly.
import { randomInt } from "node:crypto"
import { parseArgs } from "node:util"

const { values, positionals } = parseArgs({
  options: {
    count: { type: "string", default: "500" },
    seed: { type: "string" },
    from: { type: "string", default: "0" },
    jobs: { type: "string", default: "1" },
    timeout: { type: "string", default: "10000" },
    memory: { type: "string", default: "512" },
    out: { type: "string", default: "fuzz-failures" },
    replay: { type: "boolean", default: false },
  },
  allowPositionals: true,
})

const integer = (name, text) => {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`fuzz: --${name} must be a whole number, not "${text}"\n`)
    process.exit(2)
  }
  return value
}

// the harness runs BatchOps from its TypeScript sources, as the tests do
await import("../test/fuzz/SourceHooks.ts")
const { replayFiles, runCases } = await import("../test/fuzz/Campaign.ts")

const seed = values.seed === undefined ? randomInt(2 ** 31) : integer("seed", values.seed)
const count = integer("count", values.count)
const from = integer("from", values.from)
const options = {
  jobs: Math.max(1, integer("jobs", values.jobs)),
  timeoutMs: integer("timeout", values.timeout),
  memoryMb: integer("memory", values.memory),
  keepDir: values.out,
}

let done = 0
const failures = []
const total = values.replay ? positionals.length : count
const onResult = (result) => {
  done += 1
  if (result.problem !== undefined) {
    failures.push(result)
    const at = result.verdict?.stage === undefined ? "" : ` at ${result.verdict.stage}`
    process.stdout.write(
      `FAIL ${result.name} (${result.mutations})${at}: ${result.problem}\n` +
        (result.verdict?.error === undefined ? "" : `     message: ${result.verdict.error.slice(0, 300)}\n`) +
        (result.kept === undefined ? "" : `     kept as ${result.kept}\n`),
    )
  }
  if (done % 100 === 0 || done === total)
    process.stderr.write(`fuzz: ${done}/${total} cases, ${failures.length} failing\n`)
}

const started = performance.now()
if (values.replay) {
  process.stderr.write(`fuzz: replaying ${positionals.length} files\n`)
} else {
  process.stderr.write(`fuzz: seed ${seed}, cases ${from} to ${from + count - 1}\n`)
}
const results = values.replay
  ? await replayFiles(positionals, { ...options, onResult })
  : await runCases(
      seed,
      Array.from({ length: count }, (_, i) => from + i),
      { ...options, onResult },
    )

const tally = new Map()
for (const result of results) {
  const key =
    result.problem !== undefined
      ? "FAILING"
      : result.verdict?.status === "failed"
        ? `failed (${result.verdict.knownError ?? "no known error"})`
        : (result.verdict?.status ?? "?")
  tally.set(key, (tally.get(key) ?? 0) + 1)
}
const seconds = ((performance.now() - started) / 1000).toFixed(1)
const slowest = results.reduce((most, result) => (result.durationMs > most.durationMs ? result : most), results[0])
process.stdout.write(
  `\n${results.length} cases in ${seconds} s${values.replay ? "" : ` (seed ${seed})`}` +
    (slowest === undefined ? "" : `, the slowest ${slowest.name} in ${slowest.durationMs} ms`) +
    ":\n" +
    [...tally]
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]) => `  ${String(n).padStart(6)}  ${key}\n`)
      .join(""),
)
if (failures.length > 0) {
  process.stdout.write(
    `\n${failures.length} failing cases${options.keepDir ? ` written to ${options.keepDir}/` : ""}; ` +
      "keep one as a regression fixture by moving it to test/fixtures/fuzz/\n",
  )
  process.exitCode = 1
}
