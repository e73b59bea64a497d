/**
 * The web app's API types are generated from the server's OpenAPI document: regenerated here
 * from the server's own route table, they must be exactly the checked-in file.
 */
import { readFileSync } from "node:fs"
import { apiRoutes, openApiDocument } from "@batchops/server"
import { describe, expect, it } from "vitest"
import { apiTypes, SCHEMA_FILE } from "../scripts/api-types"

describe("the API types", () => {
  it("are what the server's OpenAPI document generates", async () => {
    const generated = await apiTypes(openApiDocument(apiRoutes))
    expect(readFileSync(SCHEMA_FILE, "utf8"), "run npm run api:types -w @batchops/web").toBe(generated)
  })
})
