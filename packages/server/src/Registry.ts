/** The registry the reference host runs with: BatchOps' built-ins, the bundled parsers, and site plugins. */
import { batchopsPlugin, createRegistry, type Plugin } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"

export const defaultRegistry = (plugins: ReadonlyArray<Plugin> = []) =>
  createRegistry([batchopsPlugin, parsersPlugin, ...plugins])
