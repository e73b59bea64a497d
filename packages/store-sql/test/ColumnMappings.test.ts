/**
 * Remembered column mappings on PGlite and Postgres: one per (department, profile,
 * fingerprint), confirming again replaces it, listing by department, removal, and the
 * department an upload came from.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ColumnMappingsRepo, headerFingerprint, UploadsRepo } from "@batchops/core"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createDatabase, dropDatabase } from "../../../test/support/postgres.js"
import { ColumnMappingsRepoLayer, migrate, pgLayerFromEnv, pgliteLayer, UploadsRepoLayer } from "../src/index.js"

type Services = ColumnMappingsRepo | UploadsRepo | SqlClient.SqlClient
const repositories = Layer.mergeAll(ColumnMappingsRepoLayer, UploadsRepoLayer)

describe.each(["pglite", "postgres"] as const)("column mappings on %s", (backend) => {
  let runtime: ManagedRuntime.ManagedRuntime<Services, unknown>
  let cleanup: () => Promise<unknown>
  const run = <A, E>(effect: Effect.Effect<A, E, Services>) => runtime.runPromise(effect)

  beforeAll(async () => {
    if (backend === "pglite") {
      const dataDir = mkdtempSync(join(tmpdir(), "batchops-mappings-"))
      runtime = ManagedRuntime.make(Layer.provideMerge(repositories, pgliteLayer({ dataDir })))
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true })
    } else {
      const database = await createDatabase("mappings")
      runtime = ManagedRuntime.make(Layer.provideMerge(repositories, pgLayerFromEnv({ DATABASE_URL: database.url })))
      cleanup = () => dropDatabase(database.name)
    }
    await run(migrate())
  }, 60_000)
  afterAll(async () => {
    await runtime?.dispose()
    await cleanup?.()
  })

  it("remembers one mapping per department, profile and header set; confirming again replaces it", async () => {
    const headers = ["Pupil Ref", "Maths"]
    const fingerprint = headerFingerprint(headers)
    const result = await run(
      Effect.gen(function* () {
        const repo = yield* ColumnMappingsRepo
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO users (id, username, email, role) VALUES ('cm1', 'cmuser', 'cm@example.org', 'user')`
        const first = yield* repo.remember({
          department: "science",
          profile: "gradebook",
          fingerprint,
          headers,
          mapping: { "Pupil Ref": "student_id" },
          confirmedBy: "cm1",
        })
        const second = yield* repo.remember({
          department: "science",
          profile: "gradebook",
          fingerprint,
          headers: ["Maths", "Pupil Ref"],
          mapping: { "Pupil Ref": "student_id", Maths: "student_id_typo" },
        })
        const other = yield* repo.remember({
          department: "history",
          profile: "gradebook",
          fingerprint,
          headers,
          mapping: { "Pupil Ref": "student_id" },
        })
        const found = yield* repo.find("science", "gradebook", fingerprint)
        const none = yield* repo.find("science", "attendance", fingerprint)
        const science = yield* repo.list("science")
        const all = yield* repo.list()
        const removed = yield* repo.remove(other.id)
        const again = yield* repo.remove(other.id)
        return { first, second, found, none, science, all, removed, again }
      }),
    )
    expect(result.first.confirmedBy).toBe("cm1")
    expect(result.second.id).toBe(result.first.id)
    expect(result.second.headers).toEqual(["Maths", "Pupil Ref"])
    expect(result.second.mapping).toEqual({ "Pupil Ref": "student_id", Maths: "student_id_typo" })
    expect(result.second.confirmedBy).toBeNull()
    expect(Option.getOrThrow(result.found).id).toBe(result.first.id)
    expect(Option.isNone(result.none)).toBe(true)
    expect(result.science.map((m) => m.department)).toEqual(["science"])
    expect(result.all.map((m) => m.department)).toEqual(["history", "science"])
    expect([result.removed, result.again]).toEqual([true, false])
  })

  it("keeps the department an upload came from", async () => {
    const result = await run(
      Effect.gen(function* () {
        const repo = yield* ColumnMappingsRepo
        const uploads = yield* UploadsRepo
        const upload = yield* uploads.insert({
          fileName: "marks.csv",
          format: null,
          size: 10,
          sha256: "0".repeat(64),
          profile: "gradebook",
          processMode: "transform",
        })
        const before = yield* repo.uploadDepartment(upload.id)
        yield* repo.setUploadDepartment(upload.id, "science")
        const after = yield* repo.uploadDepartment(upload.id)
        const missing = yield* repo.uploadDepartment("no-such-upload")
        return { before, after, missing }
      }),
    )
    expect(result).toEqual({ before: null, after: "science", missing: null })
  })
})
