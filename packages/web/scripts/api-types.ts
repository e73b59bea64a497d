/**
 * Writes `src/api/schema.d.ts`, the types of every API route, from the server's OpenAPI
 * document (`docs/reference/openapi.json`, which `npm run docs:api` keeps equal to what the
 * server serves). Run `npm run api:types -w @batchops/web` after changing a route; a test
 * regenerates the types from the server's routes and fails when the checked-in file differs.
 */
import { readFileSync, writeFileSync } from "node:fs"
import openapiTS, { astToString, COMMENT_HEADER, NULL, NUMBER, type SchemaObject, tsUnion } from "openapi-typescript"

export const SCHEMA_FILE = new URL("../src/api/schema.d.ts", import.meta.url)
const DOCUMENT_FILE = new URL("../../../docs/reference/openapi.json", import.meta.url)

/**
 * A number as the document describes it: a number, or the words a schema codec would write for
 * the non-finite ones (or null, when it may be null). The server answers plain JSON, where a
 * number is only ever a number.
 */
const asNumber = (schema: SchemaObject) => {
  const members = schema.anyOf ?? []
  const nullable = members.some((member) => "type" in member && member.type === "null")
  const [number, words, ...more] = members.filter((member) => !("type" in member && member.type === "null"))
  const isNumber =
    more.length === 0 &&
    number !== undefined &&
    "type" in number &&
    number.type === "number" &&
    words !== undefined &&
    "enum" in words &&
    JSON.stringify(words.enum) === JSON.stringify(["Infinity", "-Infinity", "NaN"])
  if (!isNumber) return undefined
  return nullable ? tsUnion([NUMBER, NULL]) : NUMBER
}

/**
 * The document with each object that names its properties closed to others: the server answers
 * the properties its schemas name, so the types list exactly those (and `keyof` means them).
 */
const closed = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(closed)
  if (typeof value !== "object" || value === null) return value
  const entries = Object.entries(value).map(([key, item]) => [key, closed(item)] as const)
  const object = Object.fromEntries(entries) as Record<string, unknown>
  if (object.properties !== undefined && object.additionalProperties === true) delete object.additionalProperties
  return object
}

/** The TypeScript of an OpenAPI document: `paths`, `components` and `operations`. */
export const apiTypes = async (document: object): Promise<string> =>
  COMMENT_HEADER +
  astToString(
    await openapiTS(closed(document) as Parameters<typeof openapiTS>[0], {
      // an object the document leaves open (a job's parameters, a plan's settings) holds anything
      emptyObjectsUnknown: true,
      transform: asNumber,
    }),
  )

if (import.meta.main) {
  const document = JSON.parse(readFileSync(DOCUMENT_FILE, "utf8")) as object
  writeFileSync(SCHEMA_FILE, await apiTypes(document))
  console.log(`wrote ${SCHEMA_FILE.pathname}`)
}
