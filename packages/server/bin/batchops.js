#!/usr/bin/env node
// The command is one bundled file (dist/batchops-cli.js), and Node caches its compiled code
// between runs (in the system's temporary folder), so it starts in a fraction of a second.
// The Node version is checked first, in syntax an older Node still runs (a named import of
// `enableCompileCache` would fail before any line of this file runs).
import * as nodeModule from "node:module"

const [major, minor] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`batchops needs Node.js 22.12 or newer (this is ${process.versions.node})\n`)
  process.exit(1)
}
nodeModule.enableCompileCache?.()
const cli = await import("../dist/batchops-cli.js")
await cli.main(process.argv.slice(2))
