/** How the commands put a failure into words for people (never a stack trace). */
import { Cause } from "effect"

/** An errno as words: why a file could not be read. */
export const reason = (cause: unknown): string => {
  const error = cause as NodeJS.ErrnoException
  if (error?.code === "ENOENT") return "no such file"
  if (error?.code === "EACCES") return "permission denied"
  if (error?.code === "EISDIR") return "it is a directory"
  return error instanceof Error ? error.message : String(cause)
}

/** The message of a failed command's cause, with up to two of its own causes. */
export const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  const parts: Array<string> = []
  let error: unknown = failure
  while (error !== undefined && error !== null && parts.length < 3) {
    const text = error instanceof Error ? error.message : String(error)
    if (parts.at(-1) !== text) parts.push(text)
    error = (error as { cause?: unknown }).cause
  }
  return parts.join(": ")
}

/** A failure's message with its causes (a database that cannot be reached says why). */
export const describeError = (error: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = error
  while (current !== undefined && current !== null && parts.length < 4) {
    const text = current instanceof Error ? current.message : String(current)
    if (!parts.includes(text)) parts.push(text)
    current = (current as { cause?: unknown }).cause
  }
  return parts.join(": ")
}
