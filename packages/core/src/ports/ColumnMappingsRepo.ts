/**
 * The column mappings port: mappings people confirmed, remembered per department, profile
 * and header set (its fingerprint, see ColumnMapping.ts), so the next file with the same
 * headers maps with no questions; and the department an upload came from. The reference
 * adapter is `@batchops/store-sql`.
 */
import { Context, type Effect, type Option } from "effect"
import type { ColumnMapping } from "../uploads/ColumnMapping.js"
import type { StoreError } from "./StoreError.js"

export interface StoredColumnMapping {
  readonly id: string
  readonly department: string
  readonly profile: string
  readonly fingerprint: string
  /** the header it was confirmed for, as written in that file */
  readonly headers: ReadonlyArray<string>
  /** source header -> profile column */
  readonly mapping: ColumnMapping
  /** a user id, when a person confirmed it */
  readonly confirmedBy: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

export interface RememberColumnMapping {
  readonly department: string
  readonly profile: string
  readonly fingerprint: string
  readonly headers: ReadonlyArray<string>
  readonly mapping: ColumnMapping
  readonly confirmedBy?: string | null | undefined
}

export interface ColumnMappingsRepoShape {
  /** stores the mapping, replacing the one of the same (department, profile, fingerprint) */
  readonly remember: (input: RememberColumnMapping) => Effect.Effect<StoredColumnMapping, StoreError>
  readonly find: (
    department: string,
    profile: string,
    fingerprint: string,
  ) => Effect.Effect<Option.Option<StoredColumnMapping>, StoreError>
  /** by department, profile and newest first; every department's when none is given */
  readonly list: (department?: string | undefined) => Effect.Effect<ReadonlyArray<StoredColumnMapping>, StoreError>
  /** false when there was no such mapping */
  readonly remove: (id: string) => Effect.Effect<boolean, StoreError>
  /** records the department an upload came from (`uploads.department`) */
  readonly setUploadDepartment: (uploadId: string, department: string | null) => Effect.Effect<void, StoreError>
  /** the department an upload came from, when one was given */
  readonly uploadDepartment: (uploadId: string) => Effect.Effect<string | null, StoreError>
}

export class ColumnMappingsRepo extends Context.Service<ColumnMappingsRepo, ColumnMappingsRepoShape>()(
  "@batchops/core/ColumnMappingsRepo",
) {}
