/**
 * Where the upload lifecycle keeps its files and which registry it runs: the original bytes
 * of every upload under `uploadsDir`, the published reports of each upload under
 * `exportDir/<upload id>/`.
 */
import type { Registry } from "@batchops/core"
import { Context } from "effect"
import type { FileIsolation } from "./IsolatedPipeline.js"

export interface UploadSettingsShape {
  /** originals: `<uploadsDir>/<first 2 hex digits of the sha256>/<upload id>-<sanitized name>` */
  readonly uploadsDir: string
  /** reports: `<exportDir>/<upload id>/<report files>` */
  readonly exportDir: string
  readonly registry: Registry
  /**
   * the share of rows (0..1) a plan may change before the upload waits for approval
   * (core's DEFAULT_MAX_SHARE, 20%, when absent)
   */
  readonly maxChange?: number | undefined
  /**
   * run each file (uploads and previews) in a worker thread with these limits; in this thread,
   * unlimited, when absent (the host always isolates: see IsolatedPipeline.ts)
   */
  readonly isolation?: FileIsolation | undefined
}

export class UploadSettings extends Context.Service<UploadSettings, UploadSettingsShape>()(
  "@batchops/runner-node/UploadSettings",
) {}
