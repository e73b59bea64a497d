/**
 * The departments port: where department data comes from (admissions files, the library's
 * API, a scraped page) and the records ingested from each. The reference adapter is
 * `@batchops/store-sql`.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type * as Models from "../Models.js"
import type { PageRequest, PageResult } from "./JobsRepo.js"
import type { StoreError } from "./StoreError.js"

/** Another source already has this name. */
export class SourceNameTaken extends Schema.TaggedError<SourceNameTaken>()("SourceNameTaken", {
  name: Schema.String,
  message: Schema.String,
}) {}

export interface NewDepartmentSource {
  readonly name: string
  readonly department: string
  /** how its data arrives: `csv`, `api`, `web_scrape`... */
  readonly kind: string
  /** default true */
  readonly enabled?: boolean | undefined
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
  /** the source's records, newest first */
  readonly listRecords: (
    sourceId: string,
    page: PageRequest,
  ) => Effect.Effect<PageResult<Models.DepartmentRecord>, StoreError>
}

export class DepartmentsRepo extends Context.Service<DepartmentsRepo, DepartmentsRepoShape>()(
  "@batchops/core/DepartmentsRepo",
) {}
