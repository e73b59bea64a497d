/**
 * Where the upload lifecycle keeps its files and which registry it runs: the original bytes
 * of every upload under `uploadsDir`, the published reports of each upload under
 * `exportDir/<upload id>/`.
 */
import type { Registry } from "@batchops/core"
import { Context } from "effect"

export interface UploadSettingsShape {
  /** originals: `<uploadsDir>/<first 2 hex digits of the sha256>/<upload id>-<sanitized name>` */
  readonly uploadsDir: string
  /** reports: `<exportDir>/<upload id>/<report files>` */
  readonly exportDir: string
  readonly registry: Registry
}

export class UploadSettings extends Context.Service<UploadSettings, UploadSettingsShape>()(
  "@batchops/server/UploadSettings",
) {}
