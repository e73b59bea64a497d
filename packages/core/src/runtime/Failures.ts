/**
 * Words for operators from failures: a failure's message with the messages of its causes (a
 * database driver's error often says only "Query failed" and keeps the reason in its cause),
 * and a file system error's code in words instead of an errno dump. One home for what every
 * adapter and host needs when it turns a failure into a line a person reads.
 */
import { Cause } from "effect"

/** The causes followed at most, the failure itself included. */
const DEPTH = 4

/**
 * The failure's message followed by its causes' (`error.cause`, down to four), joined by ": ".
 * A message that an earlier one already contains is left out (a wrapping error often repeats
 * its cause's), and so is an empty one; an Error without a message counts by its name.
 */
export const errorChainMessage = (error: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < DEPTH; depth++) {
    const text = current instanceof Error ? current.message || current.name : String(current)
    if (text !== "" && !parts.some((part) => part.includes(text))) parts.push(text)
    current = (current as { cause?: unknown }).cause
  }
  return parts.join(": ")
}

/** `errorChainMessage` of what an Effect failed or died with (its first failure when several). */
export const causeMessage = (cause: Cause.Cause<unknown>): string => errorChainMessage(Cause.squash(cause))

/** File system error codes in words, for messages such as `cannot read <path>: <reason>`. */
export const FILE_ERROR_REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "a file with that name is in the way",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
  EMFILE: "too many open files",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the path is too long",
  EIO: "an input/output error",
}

/** The error's `code` when it has a string one (`ENOENT`...). */
export const errorCode = (error: unknown): string | undefined => {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === "string" ? code : undefined
}

/**
 * A file system error's reason in words: its code's entry in `wording` (what a place says in
 * its own terms, e.g. "the directory does not exist" for ENOENT when writing reports), else in
 * FILE_ERROR_REASONS, else the error's message.
 */
export const fileErrorReason = (error: unknown, wording: Readonly<Record<string, string>> = {}): string => {
  const code = errorCode(error)
  const reason = code === undefined ? undefined : (wording[code] ?? FILE_ERROR_REASONS[code])
  if (reason !== undefined) return reason
  const message = typeof error === "object" && error !== null ? (error as { message?: unknown }).message : undefined
  return typeof message === "string" && message !== "" ? message : String(error)
}
