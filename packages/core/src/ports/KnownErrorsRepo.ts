/**
 * The known errors port: the site's editable known errors (name, pattern, severity, root
 * cause, corrective action, active). An adapter refuses a pattern `checkPattern` refuses.
 * The reference adapter is `@batchops/store-sql`.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type { KnownError } from "../known-errors/KnownError.js"
import type * as Models from "../models/Models.js"
import type { UnsafePattern } from "../pipeline/SafePattern.js"
import type { StoreError } from "./StoreError.js"

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
  readonly create: (input: NewKnownError) => Effect.Effect<KnownErrorRow, UnsafePattern | KnownErrorExists | StoreError>
  readonly update: (
    name: string,
    patch: KnownErrorPatch,
  ) => Effect.Effect<KnownErrorRow, UnsafePattern | KnownErrorNotFound | StoreError>
  /** by name; active ones only unless `includeInactive` */
  readonly list: (options?: {
    readonly includeInactive?: boolean | undefined
  }) => Effect.Effect<ReadonlyArray<KnownErrorRow>, StoreError>
  readonly get: (name: string) => Effect.Effect<Option.Option<KnownErrorRow>, StoreError>
  /** stops matching it; incidents tagged with it keep the tag */
  readonly deactivate: (name: string) => Effect.Effect<KnownErrorRow, KnownErrorNotFound | StoreError>
  /**
   * Records a plugin's known error under its name unless a row of that name exists (an
   * operator's row is left alone), so incidents can reference it. The existing or new row.
   */
  readonly ensure: (known: KnownError) => Effect.Effect<KnownErrorRow, UnsafePattern | StoreError>
}

export class KnownErrorsRepo extends Context.Service<KnownErrorsRepo, KnownErrorsRepoShape>()(
  "@batchops/core/KnownErrorsRepo",
) {}
