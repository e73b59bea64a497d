// Known-error matching, JavaScript's backtracking RegExp against the linear-time engine core uses
// (re2js, through @batchops/core's checkPattern/safeMatch; build first): the patterns that
// stalled the API on near-miss messages, an ordinary pattern, and the costliest patterns the
// checker accepts. A RegExp case runs in a child process, killed after LIMIT_MS.
//
//   npm run build && node scripts/bench-patterns.mjs
import { spawnSync } from "node:child_process"
import { checkPattern, MAX_MATCH_TEXT, safeMatch } from "@batchops/core"

const LIMIT_MS = 10_000

/** 50,000 characters whose first `run` characters repeat `char`, then never `char` nor "x" again. */
const nearMiss = (run, char, tail = "!") => `${char.repeat(run)}${tail}`.padEnd(50_000, tail)

const cases = [
  ["(\\d\\d?)+$", "30 digits, then !", nearMiss(30, "1").slice(0, 31)],
  ["(\\d\\d?)+$", "34 digits, then !", nearMiss(34, "1").slice(0, 35)],
  ["(\\d\\d?)+$", "50,000 characters, 1,990 digits first", nearMiss(1990, "1")],
  [".*.*.*.*.*.*x", "50 characters, no x", "y".repeat(50)],
  [".*.*.*.*.*.*x", "50,000 characters, no x", "y".repeat(50_000)],
  ["(a{1,40}){1,40}$", "22 a's, then !", nearMiss(22, "a").slice(0, 23)],
  ["(a{1,40}){1,40}$", "50,000 characters, 1,990 a's first", nearMiss(1990, "a")],
  [
    "student_id is (missing|malformed)",
    "a 90-character failure",
    "validate_results: student_id is missing in 3 rows (row 4, 9, 17) of gradebook-term2.csv",
  ],
  ["student_id is (missing|malformed)", "50,000 characters, no match", "y".repeat(50_000)],
  ["[\\s\\S]{295}z", "50,000 random characters", randomText(50_000)],
  ["(\\w{1,145})!", "50,000 a's", "a".repeat(50_000)],
  ["(.*?,){59}x", "50,000 characters, a comma every 10", "ab1 Xy.-_,".repeat(5_000)],
  [".*a".repeat(99), "50,000 characters, an a every 10", "ab1 Xy.-_,".repeat(5_000)],
  ["(\\p{L}{1,70})$", "50,000 random characters", randomText(50_000)],
]

function randomText(length) {
  let seed = 7
  let text = ""
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    text += String.fromCharCode(32 + (seed % 95))
  }
  return text
}

/** JavaScript's engine on the text the worker matches (its first MAX_MATCH_TEXT characters), in a child it can kill. */
const withRegExp = (pattern, text) => {
  const program = `const re = new RegExp(process.argv[1], "i"); const text = process.argv[2];
    const t = performance.now(); re.test(text); console.log(performance.now() - t)`
  const child = spawnSync(process.execPath, ["-e", program, pattern, text.slice(0, MAX_MATCH_TEXT)], {
    encoding: "utf8",
    timeout: LIMIT_MS,
  })
  return child.status === 0 ? Number(child.stdout) : undefined
}

/** The linear-time engine: compiling (checkPattern) and the median of 5 matches after the first. */
const withLinearEngine = (pattern, text) => {
  const started = performance.now()
  const checked = checkPattern(pattern)
  const compile = performance.now() - started
  if (checked._tag === "Failure") return { refused: checked.failure.message }
  const times = []
  for (let round = 0; round < 6; round++) {
    const t = performance.now()
    safeMatch(checked.success, text)
    times.push(performance.now() - t)
  }
  const first = times.shift()
  times.sort((a, b) => a - b)
  return { compile, first, median: times[2], steps: checked.success.matcher.programSize?.() }
}

// the engine's own code compiles on first use: warm it, so the figures are a pattern's cost
for (let round = 0; round < 20; round++) {
  const warm = checkPattern(`warm(ing|ed) up ${round} \\d+`)
  if (warm._tag === "Success") safeMatch(warm.success, randomText(2_000))
}

const shown = (pattern) => (pattern.length > 40 ? `${pattern.slice(0, 12)}... (${pattern.length} characters)` : pattern)
const ms = (value) => (value === undefined ? `> ${LIMIT_MS / 1000} s (killed)` : `${value.toFixed(2)} ms`)

console.log("| pattern | message | RegExp | re2js: compile | first match | median match | steps |")
console.log("| --- | --- | --- | --- | --- | --- | --- |")
for (const [pattern, label, text] of cases) {
  const before = withRegExp(pattern, text)
  const after = withLinearEngine(pattern, text)
  const linear =
    "refused" in after
      ? `refused: ${after.refused.replace(/^the pattern "[^"]*" /, "").split(";")[0]} | | | `
      : `${ms(after.compile)} | ${ms(after.first)} | ${ms(after.median)} | ${after.steps}`
  console.log(`| \`${shown(pattern).replaceAll("|", "\\|")}\` | ${label} | ${ms(before)} | ${linear} |`)
}
