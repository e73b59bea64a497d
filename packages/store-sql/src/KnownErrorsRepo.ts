/**
 * Known errors in SQL (`known_errors`): the patterns operators write to recognize a failure.
 * A pattern is matched against every failure the worker sees, so `create`, `update` and
 * `ensure` refuse one that core's `checkPattern` refuses (it does not compile, it is too long,
 * it uses what the linear-time engine lacks, it compiles too large) with the checker's
 * `UnsafePattern` and its message: nothing unsafe is ever written. Rows are listed by name, the order they are matched in.
 */
import {
  checkPattern,
  type KnownError,
  KnownErrorExists,
  KnownErrorNotFound,
  type KnownErrorPatch,
  KnownErrorsRepo,
  Models,
  type NewKnownError,
  type UnsafePattern,
} from "@batchops/core"
import { Effect, Layer, Option, Result } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"

type KnownErrorRow = Models.KnownErrorRow
type Severity = typeof Models.Severity.Type

interface Row {
  readonly id: string
  readonly name: string
  readonly pattern: string
  readonly stage: string | null
  readonly severity: Severity
  readonly root_cause: string
  readonly corrective_action: string
  readonly active: boolean
}

const toKnownError = (row: Row): KnownErrorRow =>
  new Models.KnownErrorRow({
    id: row.id,
    name: row.name,
    pattern: row.pattern,
    stage: row.stage,
    severity: row.severity,
    rootCause: row.root_cause,
    correctiveAction: row.corrective_action,
    active: row.active,
  })

/** Succeeds when `checkPattern` accepts the pattern, fails with its refusal otherwise. */
const requireSafe = (pattern: string): Effect.Effect<void, UnsafePattern> => {
  const checked = checkPattern(pattern)
  return Result.isFailure(checked) ? Effect.fail(checked.failure) : Effect.void
}

/** The `KnownErrorsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeKnownErrorsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, name, pattern, stage, severity, root_cause, corrective_action, active")

  const get = (name: string) =>
    Effect.map(sql<Row>`SELECT ${columns} FROM known_errors WHERE name = ${name}`, (rows) =>
      rows.length === 0 ? Option.none<KnownErrorRow>() : Option.some(toKnownError(rows[0]!)),
    )

  const notFound = (name: string) => new KnownErrorNotFound({ name, message: `no known error named "${name}"` })

  const create = (input: NewKnownError) =>
    Effect.gen(function* () {
      yield* requireSafe(input.pattern)
      const rows = yield* sql<Row>`INSERT INTO known_errors
        (name, pattern, stage, severity, root_cause, corrective_action, active)
        VALUES (${input.name}, ${input.pattern}, ${input.stage ?? null}, ${input.severity}, ${input.rootCause},
          ${input.correctiveAction}, ${input.active ?? true})
        ON CONFLICT (name) DO NOTHING
        RETURNING ${columns}`
      if (rows.length === 0) {
        return yield* new KnownErrorExists({
          name: input.name,
          message: `a known error named "${input.name}" already exists`,
        })
      }
      return toKnownError(rows[0]!)
    }).pipe(Effect.withSpan("KnownErrorsRepo.create"))

  const update = (name: string, patch: KnownErrorPatch) =>
    Effect.gen(function* () {
      if (patch.pattern !== undefined) yield* requireSafe(patch.pattern)
      return yield* sql.withTransaction(
        Effect.gen(function* () {
          const [current] = yield* sql<Row>`SELECT ${columns} FROM known_errors WHERE name = ${name} FOR UPDATE`
          if (current === undefined) return yield* notFound(name)
          const [row] = yield* sql<Row>`UPDATE known_errors SET
              pattern = ${patch.pattern ?? current.pattern},
              stage = ${patch.stage === undefined ? current.stage : patch.stage},
              severity = ${patch.severity ?? current.severity},
              root_cause = ${patch.rootCause ?? current.root_cause},
              corrective_action = ${patch.correctiveAction ?? current.corrective_action},
              active = ${patch.active ?? current.active}
            WHERE id = ${current.id}
            RETURNING ${columns}`
          return toKnownError(row!)
        }),
      )
    }).pipe(Effect.withSpan("KnownErrorsRepo.update"))

  const list = (options?: { readonly includeInactive?: boolean | undefined }) =>
    Effect.map(
      options?.includeInactive === true
        ? sql<Row>`SELECT ${columns} FROM known_errors ORDER BY name`
        : sql<Row>`SELECT ${columns} FROM known_errors WHERE active ORDER BY name`,
      (rows) => rows.map(toKnownError),
    )

  const deactivate = (name: string) =>
    Effect.gen(function* () {
      const [row] = yield* sql<Row>`UPDATE known_errors SET active = false WHERE name = ${name} RETURNING ${columns}`
      if (row === undefined) return yield* notFound(name)
      return toKnownError(row)
    })

  const ensure = (known: KnownError) =>
    Effect.gen(function* () {
      yield* requireSafe(known.pattern)
      yield* sql`INSERT INTO known_errors (name, pattern, stage, severity, root_cause, corrective_action)
        VALUES (${known.name}, ${known.pattern}, ${known.stage ?? null}, ${known.severity}, ${known.rootCause},
          ${known.correctiveAction})
        ON CONFLICT (name) DO NOTHING`
      const [row] = yield* sql<Row>`SELECT ${columns} FROM known_errors WHERE name = ${known.name}`
      return toKnownError(row!)
    })

  return KnownErrorsRepo.of(storeErrors({ create, update, list, get, deactivate, ensure }))
})

export const KnownErrorsRepoLayer: Layer.Layer<KnownErrorsRepo, never, SqlClient.SqlClient> = Layer.effect(
  KnownErrorsRepo,
  makeKnownErrorsRepo,
)
