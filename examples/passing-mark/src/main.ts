// Run a gradebook through BatchOps with the passing-mark stage and print the students below
// the mark. Reports go to ./reports (or --out).
//
//   node src/main.ts [gradebook.csv] [--mark 60] [--out reports]
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { createBatchOps } from "@batchops/core"
import { BELOW_PASSING_MARK, passingMarkPlugin } from "@batchops/example-passing-mark"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"

const usage = "usage: node src/main.ts [gradebook.csv] [--mark 60] [--out reports]"

const parsed = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { mark: { type: "string", default: "60" }, out: { type: "string", default: "reports" } },
    })
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`)
    process.exit(2)
  }
})()
const mark = Number(parsed.values.mark)
if (parsed.values.mark.trim() === "" || !Number.isFinite(mark) || mark < 0) {
  console.error(`--mark must be a number of 0 or more, not "${parsed.values.mark}"\n${usage}`)
  process.exit(2)
}
const file = parsed.positionals[0] ?? fileURLToPath(new URL("../../data/gradebook.csv", import.meta.url))

const batchOps = await createBatchOps({
  plugins: [parsersPlugin, passingMarkPlugin({ mark })],
  // a command run by hand: its reports straight into --out, named after the file
  layer: DirectoryPublisher.layer(parsed.values.out, { layout: "flat" }),
})
try {
  const result = await batchOps.process(file, { profile: "gradebook" })
  if (result.status !== "published") {
    console.error(`${file} was not published: ${result.incident?.stage}: ${result.incident?.error}`)
    process.exitCode = 1
  } else {
    const flagged = result.problems.filter((problem) => problem.rule === BELOW_PASSING_MARK)
    console.log(`Scores below the passing mark of ${mark}:`)
    for (const problem of flagged) console.log(`  row ${problem.row}: ${problem.message}`)
    const step = result.stages.find((stage) => stage.name === "flag_below_passing_mark")
    const bySubject = Object.entries((step?.log.belowPassingMark ?? {}) as Record<string, number>)
    console.log(
      `${flagged.length} scores below ${mark} (${bySubject.map(([subject, count]) => `${subject} ${count}`).join(", ")}); ` +
        `${step?.log.studentsBelow} students`,
    )
    console.log(
      `reports: ${result.reports?.csv}, ${result.reports?.pdf}, ${result.reports?.rejected ?? "no rejected rows"}`,
    )
  }
} catch (error) {
  // an unreadable file or an unknown profile: the message says which
  console.error((error as Error).message)
  process.exitCode = 2
} finally {
  await batchOps.close()
}
