/**
 * The settings of a `directory` department source: the inbox folder files are dropped into
 * (inside the host's inbox folder), and how the files found there are taken in.
 */
import { Schema } from "effect"

/** A folder inside the inbox folder: relative, without `..` segments. */
const InboxPath = Schema.String.check(
  Schema.makeFilter((text: string) => {
    const parts = text.replaceAll("\\", "/").split("/")
    if (text.trim() === "") return "must name a folder inside the inbox folder"
    if (text.startsWith("/") || /^[A-Za-z]:/.test(text)) return "must be relative to the inbox folder"
    if (parts.some((part) => part === "..")) return "must not leave the inbox folder (no .. segments)"
    return undefined
  }),
)

/** An extension a file may have: letters and digits, with or without its dot (`csv`, `.xlsx`). */
const Extension = Schema.String.check(
  Schema.makeFilter((text: string) =>
    /^\.?[A-Za-z0-9]{1,10}$/.test(text) ? undefined : 'must be a file extension such as "csv" or ".xlsx"',
  ),
)

export const DIRECTORY_DEFAULTS = {
  profile: "auto",
  plan: "transform",
  /** long enough for a copy over a slow share to show progress between two looks */
  stable_seconds: 30,
  extensions: ["csv", "xlsx", "pdf"],
  /** the API's default upload limit (BATCHOPS_MAX_UPLOAD_BYTES) */
  max_bytes: 52_428_800,
} as const

export const DirectorySettings = Schema.Struct({
  path: InboxPath.annotate({ description: "the source's inbox folder, relative to the host's inbox folder" }),
  profile: Schema.optionalKey(Schema.String.annotate({ description: 'the profile of the files (default "auto")' })),
  plan: Schema.optionalKey(Schema.String.annotate({ description: 'the plan the files run (default "transform")' })),
  stable_seconds: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 86_400 })).annotate({
      description:
        "how long a file's size and modification time must stay unchanged before it is taken, in seconds " +
        `(default ${DIRECTORY_DEFAULTS.stable_seconds})`,
    }),
  ),
  extensions: Schema.optionalKey(
    Schema.Array(Extension)
      .check(Schema.isMinLength(1))
      .annotate({
        description: `the extensions of the files taken (default ${DIRECTORY_DEFAULTS.extensions.join(", ")}); others go to failed/`,
      }),
  ),
  max_bytes: Schema.optionalKey(
    Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)).annotate({
      description: `the largest file taken, in bytes (default ${DIRECTORY_DEFAULTS.max_bytes}); larger ones go to failed/`,
    }),
  ),
})

export type DirectorySettings = typeof DirectorySettings.Type

/** The settings with their defaults filled in (extensions lower case, without their dot). */
export interface ResolvedDirectorySettings {
  readonly path: string
  readonly profile: string
  readonly plan: string
  readonly stableSeconds: number
  readonly extensions: ReadonlyArray<string>
  readonly maxBytes: number
}

export const resolveDirectorySettings = (settings: DirectorySettings): ResolvedDirectorySettings => ({
  path: settings.path,
  profile: settings.profile ?? DIRECTORY_DEFAULTS.profile,
  plan: settings.plan ?? DIRECTORY_DEFAULTS.plan,
  stableSeconds: settings.stable_seconds ?? DIRECTORY_DEFAULTS.stable_seconds,
  extensions: (settings.extensions ?? DIRECTORY_DEFAULTS.extensions).map((extension) =>
    extension.replace(/^\./, "").toLowerCase(),
  ),
  maxBytes: settings.max_bytes ?? DIRECTORY_DEFAULTS.max_bytes,
})
