/**
 * What an error thrown by a reading library (SheetJS, pdf.js, papaparse) says about the
 * file, in words for an operator. The library's own errors name the problem ("Bad FCHECK in
 * flate stream", "Unsupported ZIP Compression method 9") and are kept; a JavaScript engine
 * error (a TypeError where a damaged structure was not what the library expected, a stack
 * overflow on deep nesting) would only tell an operator about the library's insides.
 */

const ENGINE_ERRORS = new Set(["TypeError", "RangeError", "ReferenceError", "SyntaxError", "EvalError", "URIError"])

/** The engine error's class: the error's own, or the one pdf.js records when it wraps an error it did not expect. */
const engineError = (error: unknown): string | undefined => {
  if (!(error instanceof Error)) return undefined
  if (ENGINE_ERRORS.has(error.name)) return error.name
  const details = (error as { details?: unknown }).details
  const wrapped = typeof details === "string" ? details.split(":")[0]! : undefined
  return wrapped !== undefined && ENGINE_ERRORS.has(wrapped) ? wrapped : undefined
}

/** The error as a clause for a failure message, e.g. "its structure is nested too deeply to read". */
export const libraryErrorText = (error: unknown): string => {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "")
  if (engineError(error) === undefined) return message
  return /call stack/i.test(message)
    ? "its structure is nested too deeply to read"
    : "its internal structure is damaged"
}
