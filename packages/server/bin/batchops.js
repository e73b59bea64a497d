#!/usr/bin/env node
// Node caches the compiled code of BatchOps between runs (in the system's temporary folder),
// so every run after the first starts faster.
import { enableCompileCache } from "node:module"

enableCompileCache?.()
const cli = await import("../dist/cli.js")
await cli.main(process.argv.slice(2))
