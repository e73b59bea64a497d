// Start the school portal on PORT (default 3030), processing uploads with BatchOps and
// writing reports to REPORTS_DIR (default ./reports).
//
//   PORT=3030 node src/main.ts
import path from "node:path"
import { createBatchOps } from "@batchops/core"
import { createPortal } from "@batchops/example-portal"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { serve } from "@hono/node-server"

const port = Number(process.env.PORT ?? 3030)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (0 to 65535), not "${process.env.PORT}"`)
  process.exit(2)
}
const reportsDir = path.resolve(process.env.REPORTS_DIR ?? "reports")

const batchOps = await createBatchOps({ plugins: [parsersPlugin], layer: DirectoryPublisher.layer(reportsDir) })
const app = createPortal({ batchOps })
const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => {
  console.log(`school portal on http://127.0.0.1:${info.port}/ (reports in ${reportsDir})`)
})

const stop = () => {
  server.close(() => {
    void batchOps.close().then(() => process.exit(0))
  })
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
