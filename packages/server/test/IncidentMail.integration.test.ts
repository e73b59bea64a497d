import type { AddressInfo } from "node:net"
import { createServer } from "node:net"
import {
  enqueueIncidentMail,
  IncidentsRepo,
  incidentMail,
  type Mailer,
  NOTIFY_INCIDENT,
  processNextIncidentMail,
  UploadsRepo,
  UsersRepo,
  WorkQueue,
} from "@batchops/core"
import { type MailConfig, smtpMailerLayer } from "@batchops/mailer-smtp"
import {
  IncidentsRepoLayer,
  migrate,
  pgLayerFromEnv,
  UploadsRepoLayer,
  UsersRepoLayer,
  WorkQueueLayer,
} from "@batchops/store-sql"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freshDatabase } from "../../../test/support/postgres.js"
import { closedPort, startSmtpServer, type TestSmtpServer } from "../../mailer-smtp/test/smtpTestServer.js"

const { url: databaseUrl } = freshDatabase("test_incident_mail")

const mailTo = (port: number): MailConfig => ({
  host: "127.0.0.1",
  port,
  implicitTls: false,
  requireStartTls: false,
  user: undefined,
  password: undefined,
  from: "batchops@school.example",
})

type Services = IncidentsRepo | UploadsRepo | UsersRepo | WorkQueue | SqlClient.SqlClient

const run = <A, E>(port: number, effect: Effect.Effect<A, E, Services | Mailer>) =>
  Effect.runPromise(
    Effect.provide(
      effect,
      Layer.mergeAll(
        IncidentsRepoLayer,
        UploadsRepoLayer,
        UsersRepoLayer,
        WorkQueueLayer,
        smtpMailerLayer(mailTo(port)),
      ).pipe(Layer.provideMerge(pgLayerFromEnv({ DATABASE_URL: databaseUrl }))),
    ),
  )

const options = { worker: "mail-test", leaseMs: 60_000 }

let server: TestSmtpServer

beforeAll(async () => {
  server = await startSmtpServer()
  await run(
    server.port,
    Effect.gen(function* () {
      yield* migrate()
      const users = yield* UsersRepo
      yield* users.insert({ username: "ada", email: "ada@school.example", role: "admin" })
      yield* users.insert({
        username: "mo",
        email: "mo@school.example",
        role: "moderator",
        emailVerified: true,
      })
      yield* users.insert({ username: "una", email: "una@school.example", role: "moderator", emailVerified: false })
      yield* users.insert({
        username: "old",
        email: "old@school.example",
        role: "admin",
        emailVerified: true,
        isActive: false,
      })
      yield* users.insert({ username: "pupil", email: "pupil@school.example", role: "user", emailVerified: true })
    }),
  )
})

afterAll(() => server?.close())

/** An incident of a stored upload, and its `opened` mail queued in the same transaction. */
const openWithMail = (fileName: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const uploads = yield* UploadsRepo
    const incidents = yield* IncidentsRepo
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const upload = yield* uploads.insert({
          fileName,
          format: "csv",
          size: 10,
          sha256: "0".repeat(64),
          profile: "gradebook",
          processMode: "transform",
        })
        const { incident } = yield* incidents.insert({
          uploadId: upload.id,
          stage: "validate_results",
          error: "student_id is missing in 3 rows",
          severity: "high",
        })
        const itemId = yield* enqueueIncidentMail({
          incidentId: incident.id,
          event: "opened",
          at: incident.createdAt,
        })
        return { incident, itemId }
      }),
    )
  })

const itemOf = (id: string) => WorkQueue.use((queue) => queue.get(id))

describe("incident mail on Postgres, through a real SMTP server", () => {
  it("sends one mail to the active admins and verified moderators, and completes the item", async () => {
    const before = server.received.length
    const result = await run(
      server.port,
      Effect.gen(function* () {
        const { incident, itemId } = yield* openWithMail("Gradebook 9B.csv")
        const outcome = yield* processNextIncidentMail(options)
        const again = yield* processNextIncidentMail(options)
        return { incident, itemId, outcome, again, item: yield* itemOf(itemId) }
      }),
    )
    expect(result.outcome).toEqual(
      Option.some({
        workItemId: result.itemId,
        incidentId: result.incident.id,
        event: "opened",
        status: "sent",
        recipients: 2,
        completed: true,
      }),
    )
    expect(Option.isNone(result.again)).toBe(true)
    expect(Option.getOrThrow(result.item)).toMatchObject({ kind: NOTIFY_INCIDENT, status: "completed", attempts: 1 })
    const mails = server.received.slice(before)
    expect(mails).toHaveLength(1)
    const mail = mails[0]!
    expect(mail.rcptTo).toEqual(["ada@school.example", "mo@school.example"])
    expect(mail.headers.get("to")).toBe("ada@school.example, mo@school.example")
    expect(mail.headers.get("subject")).toBe(
      "[BatchOps] Incident opened: validate_results failed for Gradebook 9B.csv (severity high)",
    )
    expect(mail.body).toContain("Error: student_id is missing in 3 rows\n")
    expect(mail.body.replace(/\r\n/g, "\n")).toBe(
      incidentMail("opened", result.incident, { fileName: "Gradebook 9B.csv", at: result.incident.createdAt }).text,
    )
  })

  it("queues nothing when the transaction recording the event rolls back", async () => {
    const result = await run(
      server.port,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const incidents = yield* IncidentsRepo
        const failed = yield* Effect.flip(
          sql.withTransaction(
            Effect.gen(function* () {
              const { incident } = yield* incidents.insert({
                uploadId: null,
                stage: "parse",
                error: "unexpected end of file",
                severity: "medium",
              })
              yield* enqueueIncidentMail({ incidentId: incident.id, event: "opened", at: incident.createdAt })
              return yield* Effect.fail("the caller failed after recording")
            }),
          ),
        )
        const queued = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM work_queue
          WHERE kind = ${NOTIFY_INCIDENT} AND status = 'queued'`
        return { failed, queued: queued[0]!.n, next: yield* processNextIncidentMail(options) }
      }),
    )
    expect(result.failed).toBe("the caller failed after recording")
    expect(result.queued).toBe(0)
    expect(Option.isNone(result.next)).toBe(true)
  })

  it("retries while the SMTP server is down, then gives up after maxAttempts with the error", async () => {
    const down = await closedPort()
    const retrying = { ...options, retryAfterMs: 0, maxAttempts: 3 }
    const result = await run(
      down,
      Effect.gen(function* () {
        const { itemId } = yield* openWithMail("Gradebook 9C.csv")
        const first = yield* processNextIncidentMail(retrying)
        const afterFirst = yield* itemOf(itemId)
        const second = yield* processNextIncidentMail(retrying)
        const third = yield* processNextIncidentMail(retrying)
        const fourth = yield* processNextIncidentMail(retrying)
        return { itemId, first, afterFirst, second, third, fourth, item: yield* itemOf(itemId) }
      }),
    )
    const first = Option.getOrThrow(result.first)
    expect(first).toMatchObject({ workItemId: result.itemId, status: "retry", attempts: 1 })
    expect(first.status === "retry" && first.error).toMatch(
      new RegExp(`^cannot send ".*" through 127\\.0\\.0\\.1:${down}: .*ECONNREFUSED`),
    )
    expect(Option.getOrThrow(result.afterFirst)).toMatchObject({ status: "queued", attempts: 1 })
    expect(Option.getOrThrow(result.afterFirst).lastError).toMatch(/ECONNREFUSED/)
    expect(Option.getOrThrow(result.second)).toMatchObject({ status: "retry", attempts: 2 })
    expect(Option.getOrThrow(result.third)).toMatchObject({ status: "gave_up", attempts: 3 })
    expect(Option.isNone(result.fourth)).toBe(true)
    const item = Option.getOrThrow(result.item)
    expect(item).toMatchObject({ status: "failed", attempts: 3 })
    expect(item.lastError).toMatch(/ECONNREFUSED/)
  })

  it("a retried mail is sent once the server is back", async () => {
    const down = await closedPort()
    const before = server.received.length
    const { itemId } = await run(
      down,
      Effect.gen(function* () {
        const opened = yield* openWithMail("Gradebook 9D.csv")
        expect(Option.getOrThrow(yield* processNextIncidentMail({ ...options, retryAfterMs: 0 })).status).toBe("retry")
        return opened
      }),
    )
    const outcome = await run(server.port, processNextIncidentMail({ ...options, retryAfterMs: 0 }))
    expect(Option.getOrThrow(outcome)).toMatchObject({ workItemId: itemId, status: "sent", recipients: 2 })
    expect(server.received.slice(before)).toHaveLength(1)
  })

  it("a worker stopped while sending puts the item back in the queue, due at once", async () => {
    // accepts connections and never greets: the send hangs until the worker is stopped
    const silent = createServer(() => {})
    await new Promise<void>((ready) => silent.listen(0, "127.0.0.1", ready))
    const { port } = silent.address() as AddressInfo
    try {
      const result = await run(
        port,
        Effect.gen(function* () {
          const { itemId } = yield* openWithMail("Gradebook 9F.csv")
          const stopped = yield* Effect.timeoutOption(processNextIncidentMail(options), 300)
          return { itemId, stopped, item: yield* itemOf(itemId) }
        }),
      )
      expect(Option.isNone(result.stopped)).toBe(true)
      expect(Option.getOrThrow(result.item)).toMatchObject({
        status: "queued",
        attempts: 1,
        lastError: "the worker stopped before sending",
      })
      const outcome = await run(server.port, processNextIncidentMail(options))
      expect(Option.getOrThrow(outcome)).toMatchObject({ workItemId: result.itemId, status: "sent" })
    } finally {
      silent.close()
    }
  })

  it("discards an item whose incident does not exist, or whose payload is not an incident mail", async () => {
    const result = await run(
      server.port,
      Effect.gen(function* () {
        const queue = yield* WorkQueue
        const missing = yield* enqueueIncidentMail({ incidentId: "no-such-incident", event: "resolved", at: "x" })
        const first = yield* processNextIncidentMail(options)
        const junk = yield* queue.enqueue({ kind: NOTIFY_INCIDENT, payload: { incidentId: 7, event: "exploded" } })
        const second = yield* processNextIncidentMail(options)
        return { missing, first, junk, second, items: [yield* itemOf(missing), yield* itemOf(junk)] }
      }),
    )
    expect(Option.getOrThrow(result.first)).toEqual({
      workItemId: result.missing,
      incidentId: "no-such-incident",
      status: "discarded",
      error: "incident no-such-incident does not exist",
    })
    expect(Option.getOrThrow(result.second)).toMatchObject({
      workItemId: result.junk,
      incidentId: null,
      status: "discarded",
    })
    expect(result.items.map((item) => Option.getOrThrow(item).status)).toEqual(["failed", "failed"])
  })

  it("sends nothing, and completes the item, when nobody is to be told", async () => {
    const before = server.received.length
    const outcome = await run(
      server.port,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE users SET is_active = false WHERE role IN ('admin', 'moderator')`
        yield* openWithMail("Gradebook 9E.csv")
        return yield* processNextIncidentMail(options)
      }),
    )
    expect(Option.getOrThrow(outcome)).toMatchObject({ status: "no_recipients", completed: true })
    expect(server.received.slice(before)).toHaveLength(0)
  })
})
