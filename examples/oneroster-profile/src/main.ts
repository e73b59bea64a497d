// Check a OneRoster 1.2 users.csv with the oneroster-users profile and print what BatchOps
// found: the users by role, and every value the standard does not allow.
//
//   node src/main.ts [users.csv] [--out reports]
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { createBatchOps } from "@batchops/core"
import { oneRosterPlugin } from "@batchops/example-oneroster-profile"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"

const parsed = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { out: { type: "string", default: "reports" } } })
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: node src/main.ts [users.csv] [--out reports]`)
    process.exit(2)
  }
})()
const file = parsed.positionals[0] ?? fileURLToPath(new URL("../data/users.csv", import.meta.url))

const batchOps = await createBatchOps({
  plugins: [parsersPlugin, oneRosterPlugin],
  // a command run by hand: its reports straight into --out, named after the file
  layer: DirectoryPublisher.layer(parsed.values.out, { layout: "flat" }),
})
try {
  const result = await batchOps.process(file, { profile: "oneroster-users" })
  if (result.status !== "published") {
    console.log(`${file}: not a valid users.csv`)
    console.log(`  ${result.incident?.stage}: ${result.incident?.error}`)
    if (result.incident?.correctiveAction) console.log(`  what to do: ${result.incident.correctiveAction}`)
    process.exitCode = 1
  } else {
    console.log(`${file}: ${result.rows} users, profile ${result.profile}`)
    for (const problem of result.problems) console.log(`  warning: ${problem.message}`)
    console.log(`reports: ${result.reports?.csv}, ${result.reports?.pdf}`)
  }
} catch (error) {
  console.error((error as Error).message)
  process.exitCode = 2
} finally {
  await batchOps.close()
}
