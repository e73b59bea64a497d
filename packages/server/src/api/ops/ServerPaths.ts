/**
 * The host's folders kept out of what non-admins read: a job run's error, log, steps and
 * details say where the backup went or which inbox file failed, and the server's absolute
 * paths in them tell an account how the machine is laid out. A path inside a configured folder
 * is shown relative to it (`<backup folder>/batchops-….backup`); any other absolute path by its
 * last name only (`…/notes.txt`). Admins see the texts as stored.
 */
import { sep } from "node:path"
import { AutomationSettings } from "@batchops/core"
import { UploadSettings } from "@batchops/runner-node"
import { Effect } from "effect"
import { dataDirectory } from "../../Database.js"
import { HostEnv } from "../Services.js"

/** A configured folder and the words shown in its place. */
export interface NamedFolder {
  readonly path: string
  readonly name: string
}

/** The folders of this host: the data folder and those inside or beside it that the settings name. */
export const namedFolders = Effect.gen(function* () {
  const automation = yield* AutomationSettings
  const uploads = yield* UploadSettings
  const { env } = yield* HostEnv
  const folders: ReadonlyArray<NamedFolder> = [
    { path: automation.backupDir, name: "<backup folder>" },
    { path: automation.inboxDir, name: "<inbox folder>" },
    { path: uploads.uploadsDir, name: "<uploads folder>" },
    { path: uploads.exportDir, name: "<reports folder>" },
    { path: dataDirectory(env), name: "<data folder>" },
  ]
  // the innermost first: a backup folder inside the data folder is named as the backup folder
  return [...folders].sort((a, b) => b.path.length - a.path.length)
})

/** `text` with `root` replaced by `name` where it is a whole folder (the end, a separator, space, quote or colon next). */
const replaceFolder = (text: string, root: string, name: string): string => {
  let shown = ""
  let from = 0
  for (let at = text.indexOf(root); at >= 0; at = text.indexOf(root, at + root.length)) {
    const next = text[at + root.length]
    if (next !== undefined && !/[\\/\s"'`),\]:;]/.test(next)) continue
    shown += text.slice(from, at) + name
    from = at + root.length
  }
  return shown + text.slice(from)
}

/** An absolute path (POSIX or Windows) that starts a text or follows a space, quote or bracket. */
const ABSOLUTE = /(^|[\s"'`(=[,])((?:\/|[A-Za-z]:\\)[^\s"'`()<>[\],:;]+)/g

/** `text` with every absolute path hidden as the module comment says. */
export const hidePaths = (text: string, folders: ReadonlyArray<NamedFolder>): string => {
  let shown = text
  for (const folder of folders) {
    const root = folder.path.endsWith(sep) ? folder.path.slice(0, -1) : folder.path
    if (root === "") continue
    shown = replaceFolder(shown, root, folder.name)
  }
  return shown.replace(ABSOLUTE, (_match, before: string, path: string) => {
    const last = path
      .split(/[\\/]/)
      .filter((part) => part !== "")
      .at(-1)
    return `${before}…/${last ?? ""}`
  })
}

/** Every string inside `value` (a run's details, a step's facts) with its paths hidden. */
export const hidePathsIn = (value: unknown, folders: ReadonlyArray<NamedFolder>): unknown => {
  if (typeof value === "string") return hidePaths(value, folders)
  if (Array.isArray(value)) return value.map((item) => hidePathsIn(item, folders))
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, hidePathsIn(item, folders)]))
  }
  return value
}
