// Preloaded into each benchmarked process: records its peak RSS when it exits.
import { writeFileSync } from "node:fs"

process.on("exit", () => {
  if (process.env.BENCH_STATS) {
    writeFileSync(process.env.BENCH_STATS, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }))
  }
})
