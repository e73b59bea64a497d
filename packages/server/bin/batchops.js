#!/usr/bin/env node
// The command is one bundled file (dist/batchops-cli.js), and Node caches its compiled code
// between runs (in the system's temporary folder), so it starts in a fraction of a second.
import { enableCompileCache } from "node:module"

enableCompileCache?.()
const cli = await import("../dist/batchops-cli.js")
await cli.main(process.argv.slice(2))
