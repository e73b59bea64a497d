// Curve a gradebook's scores with the curve plan and print each column's mean before and
// after. The curved rows are published to ./reports (or --out) as <file>.processed.csv.
//
//   node src/main.ts [gradebook.csv] [--columns math,english,science] [--max 100] [--out reports]
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { createBatchOps, type PipelineResult } from "@batchops/core"
import { curvePlugin } from "@batchops/example-curve-plan"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"

const usage = "usage: node src/main.ts [gradebook.csv] [--columns math,english] [--max 100] [--out reports]"

const parsed = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        columns: { type: "string", default: "math,english,science" },
        max: { type: "string", default: "100" },
        out: { type: "string", default: "reports" },
      },
    })
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`)
    process.exit(2)
  }
})()
const columns = parsed.values.columns.split(",").map((column) => column.trim())
const max = Number(parsed.values.max)
const file = parsed.positionals[0] ?? fileURLToPath(new URL("../../data/gradebook.csv", import.meta.url))

const mean = (result: PipelineResult, column: string) =>
  result.summary?.numeric.find((stats) => stats.column === column.toLowerCase())?.mean?.toFixed(1) ?? "-"

const batchOps = await createBatchOps({
  plugins: [parsersPlugin, curvePlugin],
  // a command run by hand: its reports straight into --out, named after the file
  layer: DirectoryPublisher.layer(parsed.values.out, { layout: "flat" }),
})
try {
  // the summary of the file as it is, then the curved rows
  const before = await batchOps.process(file, { profile: "gradebook" })
  const after = await batchOps.process(file, {
    profile: "gradebook",
    plan: { mode: "curve", config: { columns, max } },
  })
  if (after.status !== "published") {
    // a bad config fails the run: the message names the field (process_config.max...)
    console.error(`not curved: ${after.incident?.error}`)
    process.exitCode = 1
  } else {
    console.log(`Square-root curve out of ${max} (max × √(score / max)):`)
    for (const column of columns) console.log(`  ${column}: mean ${mean(before, column)} -> ${mean(after, column)}`)
    console.log(`curved rows: ${after.reports?.csv}`)
  }
} catch (error) {
  console.error((error as Error).message)
  process.exitCode = 2
} finally {
  await batchOps.close()
}
