/**
 * Taking a file in over HTTP: the body is streamed and counted (`readBody`), so a file over the
 * limit is refused as soon as its bytes pass it (a missing or lying Content-Length changes nothing),
 * and the file's kind is read from its bytes, never from its name or declared type.
 */
import path from "node:path"
import { describeBinary, detectFormat } from "@batchops/parsers"
import { Effect } from "effect"
import { ApiError, badRequest, tooLarge } from "../Api.js"
import { humanBytes, readBody } from "../Body.js"

/** Room for the multipart boundaries and the other fields beside the file. */
const MULTIPART_OVERHEAD = 64 * 1024

/** How much of a file's start the sniffing looks at (what core passes to `detect`). */
const SNIFF_BYTES = 64 * 1024

const overLimit = (maxBytes: number) =>
  tooLarge(
    `the file is larger than the upload limit of ${humanBytes(maxBytes)} (${maxBytes} bytes, BATCHOPS_MAX_UPLOAD_BYTES)`,
  )

/**
 * The multipart body of an upload, read within the upload limit plus room for the form around
 * the file (the limit of the file itself is `formFile`'s).
 */
export const readUpload = (request: Request, maxBytes: number): Effect.Effect<Uint8Array, ApiError> =>
  readBody(request, maxBytes + MULTIPART_OVERHEAD, () => overLimit(maxBytes))

/** The multipart form of an already read body. */
export const parseForm = (request: Request, body: Uint8Array): Effect.Effect<FormData, ApiError> =>
  Effect.tryPromise({
    try: () => {
      const type = request.headers.get("content-type") ?? ""
      if (!/^multipart\/form-data\s*;/i.test(type)) throw badRequest("send the upload as multipart/form-data")
      return new Response(body as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": type } }).formData()
    },
    catch: (cause) =>
      cause instanceof ApiError ? cause : badRequest("the multipart body could not be read: it is malformed"),
  })

/** The file's bytes and name from the form's `file` field, within the limit. */
export const formFile = (form: FormData, maxBytes: number) =>
  Effect.gen(function* () {
    const file = form.get("file")
    if (file === null || typeof file === "string") {
      return yield* badRequest("the upload needs a file in the field `file`", [
        { path: "file", message: "a file is required" },
      ])
    }
    if (file.size > maxBytes) return yield* overLimit(maxBytes)
    const bytes = new Uint8Array(yield* Effect.promise(() => file.arrayBuffer()))
    return { name: file.name, bytes }
  })

/** What BatchOps reads, for the refusal of anything else. */
const READABLE = "BatchOps reads CSV or TSV text, Excel workbooks (.xlsx) and PDF tables"

/**
 * The file's format from its leading bytes: "csv" (any text), "xlsx" or "pdf"; anything else
 * (an image renamed .csv, a Word document, a legacy .xls) is refused with a 415 naming it.
 */
export const sniffFormat = (bytes: Uint8Array): Effect.Effect<"csv" | "xlsx" | "pdf", ApiError> => {
  const head = bytes.subarray(0, SNIFF_BYTES)
  const format = detectFormat(head)
  // any ZIP reads as "xlsx" to the parsers; one that is a Word document or a plain archive is not
  const other = format === "xlsx" ? describeBinary(head) : undefined
  if ((format === "csv" || format === "xlsx" || format === "pdf") && other === undefined) {
    return Effect.succeed(format as "csv" | "xlsx" | "pdf")
  }
  const what = other ?? format
  return Effect.fail(
    new ApiError({
      status: 415,
      code: "unsupported_file",
      message: `the file is ${what}, whatever its name says: ${READABLE}`,
      fields: [{ path: "file", message: `${what} is not a file BatchOps reads` }],
    }),
  )
}

const MAX_NAME = 200

/**
 * The name an upload is shown and reported under: the file's own name without any folders
 * or control characters, bounded. Its original on disk gets a strictly sanitized name
 * (`sanitizeFileName`); the reports keep the person's name, accents and spaces included.
 */
export const uploadName = (fileName: string): string => {
  const base = [...path.basename(fileName.replaceAll("\\", "/"))]
    .filter((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f)
    .join("")
    .trim()
  const bounded = base.length > MAX_NAME ? base.slice(-MAX_NAME) : base
  return bounded === "" || bounded === "." || bounded === ".." ? "upload" : bounded
}
