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

export const DirectorySettings = Schema.Struct({
  path: InboxPath.annotate({ description: "the source's inbox folder, relative to the host's inbox folder" }),
  profile: Schema.optionalKey(Schema.String.annotate({ description: 'the profile of the files (default "auto")' })),
  plan: Schema.optionalKey(Schema.String.annotate({ description: 'the plan the files run (default "transform")' })),
})

export type DirectorySettings = typeof DirectorySettings.Type
