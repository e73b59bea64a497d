// Process PowerSchool exports with the known-error pack and print, for each, where its
// reports went or the incident with the pack's diagnosis. Without arguments it runs the
// sample exports in data/: one good, three with PowerSchool's typical mistakes.
//
//   node src/main.ts [export.txt ...] [--out reports]
import { readdirSync } from "node:fs"
import { basename } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { createBatchOps } from "@batchops/core"
import { POWERSCHOOL_PROFILE, powerSchoolPlugin } from "@batchops/example-sis-known-errors"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"

const parsed = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { out: { type: "string", default: "reports" } } })
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: node src/main.ts [export.txt ...] [--out reports]`)
    process.exit(2)
  }
})()
const samples = fileURLToPath(new URL("../data/", import.meta.url))
const files =
  parsed.positionals.length > 0
    ? parsed.positionals
    : readdirSync(samples)
        .sort()
        .map((name) => samples + name)

const batchOps = await createBatchOps({
  plugins: [parsersPlugin, powerSchoolPlugin],
  // a command run by hand: its reports straight into --out, named after the file
  layer: DirectoryPublisher.layer(parsed.values.out, { layout: "flat" }),
})
try {
  for (const file of files) {
    const result = await batchOps.process(file, { profile: POWERSCHOOL_PROFILE })
    const incident = result.incident
    if (incident === null) {
      console.log(`${basename(file)}: ${result.status}, ${result.rows} rows -> ${result.reports?.csv}`)
      continue
    }
    console.log(`${basename(file)}: failed in ${incident.stage} (${incident.knownError ?? "not a known error"})`)
    console.log(`  error: ${incident.error}`)
    console.log(`  root cause: ${incident.rootCause ?? "-"}`)
    console.log(`  corrective action: ${incident.correctiveAction ?? "-"}`)
  }
} catch (error) {
  console.error((error as Error).message)
  process.exitCode = 2
} finally {
  await batchOps.close()
}
