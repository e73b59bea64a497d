/**
 * The departments port: where department data comes from (admissions files, the library's
 * API, a scraped page) and the records ingested from each. The reference adapter is
 * `@batchops/store-sql`.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type * as Models from "../models/Models.js"
import type { PageRequest, PageResult } from "./JobsRepo.js"
import type { StoreError } from "./StoreError.js"

/** Another source already has this name or code (`field` says which). */
export class SourceNameTaken extends Schema.TaggedError<SourceNameTaken>()("SourceNameTaken", {
  name: Schema.String,
  field: Schema.optional(Schema.Literals(["name", "code"])),
  message: Schema.String,
}) {}

export interface NewDepartmentSource {
  readonly name: string
  /** short, unique, upper case (`ADM`) */
  readonly code: string
  readonly department: string
  /** how its data arrives */
  readonly kind: Models.SourceKind
  /** the kind's settings (default `{}`) */
  readonly settings?: Readonly<Record<string, unknown>> | undefined
  /** default true */
  readonly enabled?: boolean | undefined
}

/** A record to store under a source: a new key adds it, a known (kind, key) replaces its payload. */
export interface IngestRecord {
  readonly kind: string
  readonly key: string
  readonly payload: Readonly<Record<string, unknown>>
  /** ISO-8601; default now */
  readonly recordedAt?: string | undefined
}

/** What storing a batch of records did. */
export interface IngestCounts {
  readonly inserted: number
  readonly updated: number
  /** same (kind, key) with the same payload and time: nothing to change */
  readonly unchanged: number
}

/** Records of one kind across sources, optionally within `[since, until)` by recorded time. */
export interface RecordsByKind {
  readonly kind: string
  readonly since?: string | undefined
  readonly until?: string | undefined
  /** only these sources */
  readonly sourceIds?: ReadonlyArray<string> | undefined
}

/** The fields to change; absent fields keep their value. */
export type DepartmentSourceChanges = Partial<NewDepartmentSource>

export interface DepartmentsRepoShape {
  /** by name */
  readonly listSources: (page: PageRequest) => Effect.Effect<PageResult<Models.DepartmentSource>, StoreError>
  readonly getSource: (id: string) => Effect.Effect<Option.Option<Models.DepartmentSource>, StoreError>
  readonly createSource: (
    input: NewDepartmentSource,
  ) => Effect.Effect<Models.DepartmentSource, SourceNameTaken | StoreError>
  /** `None` when there is no such source */
  readonly updateSource: (
    id: string,
    changes: DepartmentSourceChanges,
  ) => Effect.Effect<Option.Option<Models.DepartmentSource>, SourceNameTaken | StoreError>
  /** false when there was no such source; its records go with it */
  readonly removeSource: (id: string) => Effect.Effect<boolean, StoreError>
  readonly getSourceByCode: (code: string) => Effect.Effect<Option.Option<Models.DepartmentSource>, StoreError>
  /** the source's records, newest first (of one kind when given) */
  readonly listRecords: (
    sourceId: string,
    page: PageRequest,
    kind?: string,
  ) => Effect.Effect<PageResult<Models.DepartmentRecord>, StoreError>
  /** stores the records under the source in one statement per record, all or nothing */
  readonly upsertRecords: (
    sourceId: string,
    records: ReadonlyArray<IngestRecord>,
  ) => Effect.Effect<IngestCounts, StoreError>
  /** all records of a kind (oldest first), for automations that read a window of them */
  readonly recordsByKind: (query: RecordsByKind) => Effect.Effect<ReadonlyArray<Models.DepartmentRecord>, StoreError>
}

export class DepartmentsRepo extends Context.Service<DepartmentsRepo, DepartmentsRepoShape>()(
  "@batchops/core/DepartmentsRepo",
) {}
