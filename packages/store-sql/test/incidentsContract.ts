/**
 * The incident workflow's storage contract: known errors (refused patterns never written),
 * saving what core's workflow changed (status, fields, timeline, ticket) with optimistic
 * concurrency, and incident groups. Every backend must pass it; each test migrates first and
 * uses names of its own, so it runs on a database other suites share.
 */
import { randomUUID } from "node:crypto"
import {
  addNote,
  assign,
  IncidentConflict,
  IncidentNotFound,
  IncidentsRepo,
  IncidentTimelineRewritten,
  KnownErrorExists,
  KnownErrorNotFound,
  KnownErrorsRepo,
  Models,
  transition,
  UnsafePattern,
  updateFields,
} from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import { IncidentsRepoLayer, KnownErrorsRepoLayer, migrate } from "../src/index.js"
import type { StoreTarget } from "./contract.js"

const withStore = <A, E>(
  target: StoreTarget,
  effect: Effect.Effect<A, E, IncidentsRepo | KnownErrorsRepo | SqlClient.SqlClient>,
): Promise<A> =>
  Effect.runPromise(
    Effect.provide(
      Effect.andThen(migrate(), effect),
      Layer.provideMerge(Layer.mergeAll(IncidentsRepoLayer, KnownErrorsRepoLayer), target.open()),
    ),
  )

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

const known = (name: string, pattern: string) => ({
  name,
  pattern,
  severity: "high" as const,
  rootCause: "the export was cut short",
  correctiveAction: "send it again",
})

export const incidentsContract = (name: string, target: () => StoreTarget) =>
  describe(`incident workflow storage: ${name}`, () => {
    it("refuses an unsafe known error pattern at create and update with the checker's message, writing nothing", async () => {
      const ok = unique("truncated")
      const bad = unique("nested")
      const outcome = await withStore(
        target(),
        Effect.gen(function* () {
          const repo = yield* KnownErrorsRepo
          const nested = yield* Effect.flip(repo.create(known(bad, "(a)\\1")))
          const invalid = yield* Effect.flip(repo.create(known(bad, "([a-z")))
          const long = yield* Effect.flip(repo.create(known(bad, "x".repeat(501))))
          const created = yield* repo.create({ ...known(ok, "truncated|cut short"), stage: "standardize_results" })
          const badUpdate = yield* Effect.flip(repo.update(ok, { pattern: "x(?=y)" }))
          return { nested, invalid, long, created, badUpdate, stored: yield* repo.get(bad), kept: yield* repo.get(ok) }
        }),
      )
      expect(outcome.nested).toBeInstanceOf(UnsafePattern)
      expect(outcome.nested.message).toContain("uses a backreference")
      expect(outcome.nested.message).toContain('"(a)\\1"')
      expect((outcome.invalid as UnsafePattern).reason).toBe("invalid")
      expect(outcome.invalid.message).toContain("does not compile")
      expect((outcome.long as UnsafePattern).reason).toBe("too_long")
      expect(outcome.long.message).toContain("the limit is 500")
      expect(outcome.badUpdate).toBeInstanceOf(UnsafePattern)
      expect((outcome.badUpdate as UnsafePattern).reason).toBe("unsupported")
      expect(Option.isNone(outcome.stored)).toBe(true)
      expect(outcome.created).toMatchObject({ name: ok, stage: "standardize_results", active: true })
      expect(Option.getOrThrow(outcome.kept).pattern).toBe("truncated|cut short")
    })

    it("creates, updates, lists, deactivates known errors", async () => {
      const a = unique("a-known")
      const b = unique("b-known")
      const outcome = await withStore(
        target(),
        Effect.gen(function* () {
          const repo = yield* KnownErrorsRepo
          yield* repo.create(known(a, "alpha"))
          yield* repo.create({ ...known(b, "beta"), stage: "parse" })
          const duplicate = yield* Effect.flip(repo.create(known(a, "gamma")))
          const updated = yield* repo.update(b, { stage: null, severity: "low", pattern: "beta|delta" })
          const missing = yield* Effect.flip(repo.update(unique("none"), { severity: "low" }))
          yield* repo.deactivate(a)
          const missingDeactivate = yield* Effect.flip(repo.deactivate(unique("none")))
          const active = (yield* repo.list()).map((k) => k.name)
          const all = (yield* repo.list({ includeInactive: true })).map((k) => k.name)
          const ensured = yield* repo.ensure(known(a, "something else"))
          return { duplicate, updated, missing, missingDeactivate, active, all, ensured }
        }),
      )
      expect(outcome.duplicate).toBeInstanceOf(KnownErrorExists)
      expect(outcome.updated).toMatchObject({ name: b, stage: null, severity: "low", pattern: "beta|delta" })
      expect(outcome.missing).toBeInstanceOf(KnownErrorNotFound)
      expect(outcome.missingDeactivate).toBeInstanceOf(KnownErrorNotFound)
      expect(outcome.active).toContain(b)
      expect(outcome.active).not.toContain(a)
      expect(outcome.all).toEqual(expect.arrayContaining([a, b]))
      // ensure leaves an existing row alone
      expect(outcome.ensured).toMatchObject({ name: a, pattern: "alpha", active: false })
    })

    it("lists known errors by name whatever order they were made in, active or all", async () => {
      const prefix = unique("order")
      // made last-first, so neither insertion order nor its reverse is the name order
      const names = [`${prefix}-c`, `${prefix}-a`, `${prefix}-d`, `${prefix}-b`]
      const outcome = await withStore(
        target(),
        Effect.gen(function* () {
          const repo = yield* KnownErrorsRepo
          for (const name of names) yield* repo.create(known(name, "cut short"))
          yield* repo.deactivate(`${prefix}-d`)
          const ours = (list: ReadonlyArray<{ name: string }>) =>
            list.map((k) => k.name).filter((name) => name.startsWith(prefix))
          return { active: ours(yield* repo.list()), all: ours(yield* repo.list({ includeInactive: true })) }
        }),
      )
      expect(outcome.active).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`])
      expect(outcome.all).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`, `${prefix}-d`])
    })

    it("records an incident diagnosed by a plugin's known error that is not a row of known_errors", async () => {
      const name = unique("plugin-known")
      const outcome = await withStore(
        target(),
        Effect.gen(function* () {
          const incidents = yield* IncidentsRepo
          const knownErrors = yield* KnownErrorsRepo
          const { incident } = yield* incidents.insert({
            uploadId: null,
            stage: "transform_gradebook",
            error: "cannot curve by -5",
            severity: "high",
            knownError: name,
            rootCause: "a negative curve",
            correctiveAction: "curve by a positive number",
          })
          return { incident, row: yield* knownErrors.get(name), reread: yield* incidents.get(incident.id) }
        }),
      )
      expect(outcome.incident).toMatchObject({ knownError: name, rootCause: "a negative curve" })
      expect(Option.getOrThrow(outcome.reread).knownError).toBe(name)
      // nothing was copied into the site's editable known errors
      expect(Option.isNone(outcome.row)).toBe(true)
    })

    it("persists a lifecycle open -> in_progress -> resolved with its events, actors and ticket", async () => {
      const user = unique("user")
      const id = await withStore(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const incidents = yield* IncidentsRepo
          yield* sql`INSERT INTO users (id, username, email) VALUES (${user}, ${user}, ${`${user}@example.org`})`
          const { incident } = yield* incidents.insert({
            uploadId: null,
            stage: "validate_results",
            error: "3 rows have no student id",
            severity: "medium",
          })
          const t1 = new Date(Date.now() + 1).toISOString()
          const started = yield* incidents.save(
            incident,
            yield* Effect.flatMap(assign(incident, user, "ada", t1), (i) =>
              transition(i, "in_progress", "ada", t1, "looking"),
            ),
          )
          const t2 = new Date(Date.now() + 2).toISOString()
          const noted = yield* Effect.flatMap(addNote(started, "asked the registrar", "bob", t2), (i) =>
            updateFields(i, { rootCause: "export filter", correctiveAction: "re-export" }, "bob", t2),
          )
          const resolved = yield* incidents.save(
            started,
            yield* transition(noted, "resolved", "bob", new Date(Date.now() + 3).toISOString()),
          )
          expect(resolved.status).toBe("resolved")
          return incident.id
        }),
      )
      const reread = await withStore(
        target(),
        Effect.gen(function* () {
          const incidents = yield* IncidentsRepo
          return { incident: Option.getOrThrow(yield* incidents.get(id)), tickets: yield* incidents.tickets(id) }
        }),
      )
      expect(reread.incident).toMatchObject({
        status: "resolved",
        assignee: user,
        rootCause: "export filter",
        correctiveAction: "re-export",
      })
      expect(reread.incident.timeline.map((e) => [e.kind, e.actor, e.message])).toEqual([
        ["opened", null, "validate_results: 3 rows have no student id"],
        ["assigned", "ada", `assigned to ${user}`],
        ["status", "ada", "open -> in progress: looking"],
        ["note", "bob", "asked the registrar"],
        ["field", "bob", "set the root cause"],
        ["field", "bob", "set the corrective action"],
        ["status", "bob", "in progress -> resolved"],
      ])
      expect(reread.tickets.map((t) => t.status)).toEqual(["closed"])
    })

    it("refuses to save a stale incident and writes nothing of it", async () => {
      const outcome = await withStore(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const incidents = yield* IncidentsRepo
          const { incident } = yield* incidents.insert({
            uploadId: null,
            stage: "parse",
            error: "sheet is encrypted",
            severity: "high",
          })
          const now = incident.updatedAt
          // two operators load the same incident; the first saves, the second's copy is stale
          const first = yield* incidents.save(incident, yield* transition(incident, "in_progress", "ada", now))
          const conflict = yield* Effect.flip(
            incidents.save(incident, yield* transition(incident, "archived", "bob", now, "duplicate")),
          )
          const events = yield* sql<{ n: number }>`
            SELECT count(*)::int AS n FROM incident_events WHERE incident_id = ${incident.id}`
          const stored = Option.getOrThrow(yield* incidents.get(incident.id))
          // the fresh copy saves
          const second = yield* incidents.save(first, yield* transition(first, "resolved", "bob", now))
          return { first, conflict, events: events[0]!.n, stored, second }
        }),
      )
      expect(Date.parse(outcome.first.updatedAt)).toBeGreaterThan(Date.parse(outcome.stored.createdAt))
      expect(outcome.conflict).toBeInstanceOf(IncidentConflict)
      expect(outcome.conflict.message).toContain("changed since it was loaded")
      expect(outcome.events).toBe(2)
      expect(outcome.stored.status).toBe("in_progress")
      expect(outcome.second.status).toBe("resolved")
      expect(outcome.second.timeline.map((e) => e.actor)).toEqual([null, "ada", "bob"])
    })

    it("refuses a save that rewrites the timeline, and one of an incident that is gone", async () => {
      const outcome = await withStore(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const incidents = yield* IncidentsRepo
          const { incident } = yield* incidents.insert({ uploadId: null, stage: "parse", error: "x", severity: "low" })
          const noted = yield* addNote(incident, "a note", "ada", incident.updatedAt)
          const forged = new Models.Incident({
            ...noted,
            timeline: [new Models.TimelineEvent({ ...noted.timeline[0]!, message: "forged" }), noted.timeline[1]!],
          })
          const rewritten = yield* Effect.flip(incidents.save(incident, forged))
          const stored = Option.getOrThrow(yield* incidents.get(incident.id))
          yield* sql`DELETE FROM incidents WHERE id = ${incident.id}`
          const gone = yield* Effect.flip(incidents.save(incident, noted))
          return { rewritten, stored, gone }
        }),
      )
      expect(outcome.rewritten).toBeInstanceOf(IncidentTimelineRewritten)
      expect(outcome.stored.timeline.map((e) => e.kind)).toEqual(["opened"])
      expect(outcome.gone).toBeInstanceOf(IncidentNotFound)
    })

    it("upserts and lists incident groups by fingerprint, and lists recent failures", async () => {
      const print = unique("validate:fp")
      const outcome = await withStore(
        target(),
        Effect.gen(function* () {
          const incidents = yield* IncidentsRepo
          const { incident } = yield* incidents.insert({
            uploadId: null,
            stage: "validate",
            error: unique("recent failure"),
            severity: "low",
          })
          const first = new Models.IncidentGroup({
            fingerprint: print,
            stage: "validate",
            knownError: null,
            messagePattern: "<n> rows have no student id",
            source: "gradebook <n>.csv",
            incidentId: incident.id,
            count: 1,
            firstSeen: "2026-01-01T10:00:00.000Z",
            lastSeen: "2026-01-01T10:00:00.000Z",
          })
          yield* incidents.upsertGroup(first)
          const second = yield* incidents.upsertGroup(
            new Models.IncidentGroup({ ...first, count: 2, lastSeen: "2030-01-02T10:00:00.000Z" }),
          )
          return {
            second,
            got: yield* incidents.getGroup(print),
            missing: yield* incidents.getGroup(unique("none")),
            groups: yield* incidents.listGroups(),
            recent: yield* incidents.recentFailures(1),
            incident,
          }
        }),
      )
      expect(outcome.second).toMatchObject({ fingerprint: print, count: 2, lastSeen: "2030-01-02T10:00:00.000Z" })
      expect(Option.getOrThrow(outcome.got)).toEqual(outcome.second)
      expect(Option.isNone(outcome.missing)).toBe(true)
      expect(outcome.groups.filter((g) => g.fingerprint === print)).toHaveLength(1)
      expect(outcome.groups[0]!.fingerprint).toBe(print)
      expect(outcome.recent).toEqual([
        {
          id: outcome.incident.id,
          stage: "validate",
          error: outcome.incident.error,
          createdAt: outcome.incident.createdAt,
        },
      ])
    })
  })
