/**
 * Known errors in SQL (`known_errors`): the patterns operators write to recognize a failure.
 * A pattern is matched against every failure the worker sees, so `create`, `update` and
 * `ensure` refuse one that core's `checkPattern` refuses (it does not compile, it is too long,
 * it could backtrack for ages) with the checker's `UnsafePattern` and its message: nothing
 * unsafe is ever written. Rows are listed by name, the order they are matched in.
 */
import { checkPattern, type KnownError, Models, type UnsafePattern } from "@batchops/core"
import { Context, Effect, Layer, Option, Result, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"

type KnownErrorRow = Models.KnownErrorRow
type Severity = typeof Models.Severity.Type

/** `create` was given a name another known error already has. */
export class KnownErrorExists extends Schema.TaggedError<KnownErrorExists>()("KnownErrorExists", {
  name: Schema.String,
  message: Schema.String,
}) {}

/** `update` or `deactivate` named a known error that does not exist. */
export class KnownErrorNotFound extends Schema.TaggedError<KnownErrorNotFound>()("KnownErrorNotFound", {
  name: Schema.String,
  message: Schema.String,
}) {}

export interface NewKnownError {
  readonly name: string
  readonly pattern: string
  /** only match failures of this stage; null or absent: every stage */
  readonly stage?: string | null | undefined
  readonly severity: Severity
  readonly rootCause: string
  readonly correctiveAction: string
  /** default true */
  readonly active?: boolean | undefined
}

/** What `update` may change; absent fields are kept. */
export interface KnownErrorPatch {
  readonly pattern?: string | undefined
  readonly stage?: string | null | undefined
  readonly severity?: Severity | undefined
  readonly rootCause?: string | undefined
  readonly correctiveAction?: string | undefined
  readonly active?: boolean | undefined
}

export interface KnownErrorsRepoShape {
  readonly create: (
    input: NewKnownError,
  ) => Effect.Effect<KnownErrorRow, UnsafePattern | KnownErrorExists | SqlError.SqlError>
  readonly update: (
    name: string,
    patch: KnownErrorPatch,
  ) => Effect.Effect<KnownErrorRow, UnsafePattern | KnownErrorNotFound | SqlError.SqlError>
  /** by name; active ones only unless `includeInactive` */
  readonly list: (options?: {
    readonly includeInactive?: boolean | undefined
  }) => Effect.Effect<ReadonlyArray<KnownErrorRow>, SqlError.SqlError>
  readonly get: (name: string) => Effect.Effect<Option.Option<KnownErrorRow>, SqlError.SqlError>
  /** stops matching it; incidents tagged with it keep the tag */
  readonly deactivate: (name: string) => Effect.Effect<KnownErrorRow, KnownErrorNotFound | SqlError.SqlError>
  /**
   * Records a plugin's known error under its name unless a row of that name exists (an
   * operator's row is left alone), so incidents can reference it. The existing or new row.
   */
  readonly ensure: (known: KnownError) => Effect.Effect<KnownErrorRow, UnsafePattern | SqlError.SqlError>
}

export class KnownErrorsRepo extends Context.Service<KnownErrorsRepo, KnownErrorsRepoShape>()(
  "@batchops/store-sql/KnownErrorsRepo",
) {}

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

  return KnownErrorsRepo.of({ create, update, list, get, deactivate, ensure })
})

export const KnownErrorsRepoLayer: Layer.Layer<KnownErrorsRepo, never, SqlClient.SqlClient> = Layer.effect(
  KnownErrorsRepo,
  makeKnownErrorsRepo,
)
