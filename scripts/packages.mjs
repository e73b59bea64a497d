/**
 * The published packages, in the order they build: the root package.json's workspaces under
 * `packages/`, but the web app (built into the server's folder, never published on its own).
 * One home for the list: the build of declarations, the test aliases and the package tests read it.
 */
import { readFileSync } from "node:fs"

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))

/** @type {ReadonlyArray<string>} */
export const PUBLISHED = manifest.workspaces
  .filter((/** @type {string} */ workspace) => workspace.startsWith("packages/") && workspace !== "packages/web")
  .map((/** @type {string} */ workspace) => workspace.slice("packages/".length))
