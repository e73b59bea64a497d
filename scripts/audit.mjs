// `npm audit --omit=dev`, readable in CI. Fails on any known vulnerability in what BatchOps
// ships. Where the registry offers no advisory service (some mirrors answer 405), it says so
// and checks the advisories we know about offline instead: SheetJS before 0.20.2 has
// prototype pollution (CVE-2023-30533) and ReDoS (CVE-2024-22363) advisories.
import { execFileSync } from "node:child_process"

let output
try {
  output = execFileSync("npm", ["audit", "--omit=dev", "--json"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  })
} catch (error) {
  output = error.stdout
}
const report = JSON.parse(output || "{}")
const counts = report.metadata?.vulnerabilities
if (counts) {
  const total = Object.values(counts).reduce((sum, n) => sum + (typeof n === "number" ? n : 0), 0) - (counts.total ?? 0)
  if (total > 0) {
    console.error(`npm audit: ${total} known vulnerabilities in production dependencies`)
    for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) console.error(`  ${name}: ${v.severity}`)
    process.exit(1)
  }
  console.log("npm audit: no known vulnerabilities in production dependencies")
  process.exit(0)
}

console.log(
  `npm audit: the advisory service gave no answer (${report.message ?? "no report"}); checking known advisories offline`,
)
const tree = JSON.parse(execFileSync("npm", ["ls", "xlsx", "--all", "--json"], { encoding: "utf8" }))
const versions = new Set()
const walk = (node) => {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    if (name === "xlsx" && child.version) versions.add(child.version)
    walk(child)
  }
}
walk(tree)
for (const version of versions) {
  const [major, minor, patch] = version.split(".").map(Number)
  if (major === 0 && (minor < 20 || (minor === 20 && patch < 2))) {
    console.error(`xlsx ${version} has published advisories; BatchOps needs SheetJS 0.20.2 or later`)
    process.exit(1)
  }
}
console.log(`xlsx ${[...versions].join(", ")}: past the SheetJS advisories (fixed in 0.20.2)`)
