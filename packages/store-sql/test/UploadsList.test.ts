/**
 * The uploads list and removal on both databases: filters, newest first, the count beside the
 * page in ONE statement whatever the page size (counted by a statement transformer around the
 * call), a page past the end, removal with the work items and refusal by status, and the plan
 * corrected only from the allowed statuses.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UploadsRepo } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient, Statement } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freshDatabase } from "../../../test/support/postgres.js"
import { migrate, pgLayerFromEnv, pgliteLayer, UploadsRepoLayer } from "../src/index.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-uploads-list-"))
const { url: databaseUrl } = freshDatabase("uploads_list")
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const targets: Record<"PGlite" | "Postgres", () => Layer.Layer<SqlClient.SqlClient, unknown>> = {
  PGlite: () => pgliteLayer({ dataDir }),
  Postgres: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }),
}

/** Runs `effect` and counts the SQL statements it executed. */
const counted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    let statements = 0
    const transformer: Statement.Transformer = (statement) =>
      Effect.sync(() => {
        statements++
        return statement
      })
    const value = yield* Effect.provideService(effect, Statement.CurrentTransformer, transformer)
    return { value, statements }
  })

describe.each(Object.keys(targets) as Array<keyof typeof targets>)("the uploads list on %s", (name) => {
  const open = () => UploadsRepoLayer.pipe(Layer.provideMerge(targets[name]()))
  const run = <A, E>(effect: Effect.Effect<A, E, UploadsRepo | SqlClient.SqlClient>) =>
    Effect.runPromise(Effect.provide(effect, open()))

  const ids: Array<string> = []
  beforeAll(async () => {
    await run(
      Effect.gen(function* () {
        yield* migrate()
        const sql = yield* SqlClient.SqlClient
        const uploads = yield* UploadsRepo
        yield* sql`INSERT INTO users (id, username, email, role) VALUES ('u1', 'ada', 'ada@example.org', 'user')`
        for (let i = 0; i < 12; i++) {
          const upload = yield* uploads.insert({
            fileName: `file-${i}.csv`,
            format: null,
            size: 10,
            sha256: "ab".repeat(32),
            profile: i % 3 === 0 ? "auto" : "gradebook",
            processMode: i % 2 === 0 ? "transform" : "delete",
            uploadedBy: i < 4 ? "u1" : null,
          })
          ids.push(upload.id)
          // spread over days, the last inserted newest
          yield* sql`UPDATE uploads SET created_at = ${`2026-09-${String(i + 1).padStart(2, "0")}T10:00:00Z`}::timestamptz
            WHERE id = ${upload.id}`
        }
        yield* uploads.updateStatus(ids[11]!, "published", 100)
        yield* uploads.updateStatus(ids[10]!, "failed")
      }),
    )
  }, 60_000)

  it("lists newest first with the count, one statement whatever the page size", async () => {
    const result = await run(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        return {
          small: yield* counted(uploads.list({ limit: 1, offset: 0 })),
          large: yield* counted(uploads.list({ limit: 50, offset: 0 })),
          second: yield* counted(uploads.list({ limit: 5, offset: 5 })),
        }
      }),
    )
    expect(result.small.statements).toBe(1)
    expect(result.large.statements).toBe(1)
    expect(result.second.statements).toBe(1)
    expect(result.small.value.count).toBe(12)
    expect(result.small.value.uploads.map((u) => u.id)).toEqual([ids[11]])
    expect(result.large.value.uploads.map((u) => u.id)).toEqual([...ids].reverse())
    expect(result.second.value.uploads.map((u) => u.fileName)).toEqual([6, 5, 4, 3, 2].map((i) => `file-${i}.csv`))
  })

  it("still tells the count on a page past the end", async () => {
    const page = await run(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        return yield* uploads.list({ limit: 10, offset: 40 })
      }),
    )
    expect(page).toEqual({ count: 12, uploads: [] })
  })

  it("filters by status, dates, profile, plan and uploader", async () => {
    const pages = await run(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        const names = (query: Parameters<typeof uploads.list>[0]) =>
          Effect.map(uploads.list(query), (page) => ({ count: page.count, names: page.uploads.map((u) => u.fileName) }))
        return {
          published: yield* names({ status: "published", limit: 50, offset: 0 }),
          window: yield* names({
            createdAfter: "2026-09-03T00:00:00Z",
            createdBefore: "2026-09-05T23:59:59Z",
            limit: 50,
            offset: 0,
          }),
          auto: yield* names({ profile: "auto", processMode: "delete", limit: 50, offset: 0 }),
          mine: yield* names({ uploadedBy: "u1", limit: 2, offset: 0 }),
          none: yield* names({ status: "rejected", limit: 50, offset: 0 }),
        }
      }),
    )
    expect(pages.published).toEqual({ count: 1, names: ["file-11.csv"] })
    expect(pages.window).toEqual({ count: 3, names: ["file-4.csv", "file-3.csv", "file-2.csv"] })
    expect(pages.auto).toEqual({ count: 2, names: ["file-9.csv", "file-3.csv"] })
    expect(pages.mine).toEqual({ count: 4, names: ["file-3.csv", "file-2.csv"] })
    expect(pages.none).toEqual({ count: 0, names: [] })
  })

  it("corrects a plan only from the allowed statuses", async () => {
    const result = await run(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        const plan = { profile: "gradebook", processMode: "transform", processConfig: { rules: [] } }
        return {
          queued: yield* uploads.correctPlan(ids[0]!, ["queued", "failed"], plan),
          published: yield* uploads.correctPlan(ids[11]!, ["queued", "failed"], plan),
        }
      }),
    )
    expect(Option.getOrThrow(result.queued)).toMatchObject({ processMode: "transform", processConfig: { rules: [] } })
    expect(Option.isNone(result.published)).toBe(true)
  })

  it("removes an upload with its waiting work items, unless its status refuses it", async () => {
    const result = await run(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        const sql = yield* SqlClient.SqlClient
        const target = ids[1]!
        yield* sql`INSERT INTO work_queue (kind, payload) VALUES
          ('process_upload', ${JSON.stringify({ uploadId: target })}::jsonb),
          ('process_upload', ${JSON.stringify({ uploadId: ids[2] })}::jsonb)`
        yield* uploads.appendEvent(target, { actor: null, kind: "retry", message: "retry queued" })
        yield* uploads.updateStatus(ids[2]!, "processing")
        const refused = yield* uploads.remove(ids[2]!, ["processing"])
        const removed = yield* uploads.remove(target, ["processing"])
        const again = yield* uploads.remove(target, ["processing"])
        const items = yield* sql<{ upload: string }>`SELECT payload->>'uploadId' AS upload FROM work_queue
          WHERE kind = 'process_upload' ORDER BY id`
        const events = yield* sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM upload_events WHERE upload_id = ${target}`
        return { refused, removed, again, items, events: events[0]!.n, gone: yield* uploads.get(target) }
      }),
    )
    expect(Option.isNone(result.refused)).toBe(true)
    expect(Option.getOrThrow(result.removed).id).toBe(ids[1])
    expect(Option.isNone(result.again)).toBe(true)
    expect(Option.isNone(result.gone)).toBe(true)
    expect(result.items).toEqual([{ upload: ids[2] }])
    expect(result.events).toBe(0)
  })
})
