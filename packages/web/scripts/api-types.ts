/**
 * Writes `src/api/schema.d.ts`, the types of every API route, from the server's OpenAPI
 * document (`docs/reference/openapi.json`, which `npm run docs:api` keeps equal to what the
 * server serves). Run `npm run api:types -w @batchops/web` after changing a route; a test
 * regenerates the types from the server's routes and fails when the checked-in file differs.
 */
import { readFileSync, writeFileSync } from "node:fs"
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript"

export const SCHEMA_FILE = new URL("../src/api/schema.d.ts", import.meta.url)
const DOCUMENT_FILE = new URL("../../../docs/reference/openapi.json", import.meta.url)

/** The TypeScript of an OpenAPI document: `paths`, `components` and `operations`, all read-only. */
export const apiTypes = async (document: object): Promise<string> =>
  COMMENT_HEADER + astToString(await openapiTS(document as Parameters<typeof openapiTS>[0], { immutable: true }))

if (import.meta.main) {
  const document = JSON.parse(readFileSync(DOCUMENT_FILE, "utf8")) as object
  writeFileSync(SCHEMA_FILE, await apiTypes(document))
  console.log(`wrote ${SCHEMA_FILE.pathname}`)
}
