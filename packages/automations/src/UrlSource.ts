/**
 * Ingesting a `url` department source: fetch its page (or CSV file), take a table of the page,
 * the CSV it links to, or the CSV itself, and store the rows as department records keyed so
 * that scraping again updates them, or submit the CSV as an upload for the normal pipeline.
 *
 * Fetching is fenced in, because a source's URL is typed by a person and fetched by the server:
 * - only the hosts of `AutomationSettings.scrapeAllowedHosts` (`BATCHOPS_SCRAPE_ALLOWED_HOSTS`),
 *   checked for the page, every redirect (followed by hand, at most 5) and a linked CSV;
 * - http and https only;
 * - `timeout_ms` for one fetch, redirects and body included;
 * - `max_bytes` counted while the body streams in (a declared Content-Length over it is refused
 *   before reading), so a huge or endless answer is cut off, not buffered.
 *
 * The run's steps and log say what was fetched (address, status, bytes, rows), never rows.
 *
 * An upload is submitted once per content: the same file (same bytes, profile and plan) from
 * the same source is claimed in the automations' ledger first, so scraping an unchanged page
 * every day does not publish it again and again.
 */

import { isUtf8 } from "node:buffer"
import { createHash } from "node:crypto"
import { TextDecoder } from "node:util"
import {
  type AutomationContext,
  AutomationError,
  AutomationLedger,
  AutomationSettings,
  DepartmentsRepo,
  type Models,
  readAtMost,
  sourceFromBytes,
  UploadIntake,
} from "@batchops/core"
import { CsvParser } from "@batchops/parsers"
import { Clock, Effect, Option, Schema, Stream } from "effect"
import {
  chooseTable,
  columnNames,
  csvLinks,
  declaredHtmlCharset,
  describeTable,
  type HtmlTable,
  parseHtmlPage,
} from "./HtmlTables.js"
import { keyRecords, tableToCsv } from "./ScrapedRows.js"
import type { SourceIngester } from "./SourceIngester.js"
import { type ResolvedUrlSettings, resolveUrlSettings, UrlSettings } from "./UrlSettings.js"

/** Redirects followed for one fetch before giving up. */
export const MAX_REDIRECTS = 5

/** Rows stored as records in one scrape; more is a file for the pipeline (`into: "upload"`). */
export const MAX_SCRAPED_RECORDS = 50_000

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

// ---------------------------------------------------------------------------------------------
// The allow-list

interface AllowedHost {
  readonly host: string
  /** undefined: any port of the host */
  readonly port: string | undefined
}

/**
 * One allow-list entry: `host` (any port) or `host:port`, case ignored; IPv6 in brackets
 * (`[::1]:8080`), or bare (`::1`, any port).
 */
export const parseAllowedHost = (entry: string): AllowedHost => {
  const text = entry.trim().toLowerCase()
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  if (bracketed !== null) return { host: bracketed[1]!, port: bracketed[2] }
  const colons = text.split(":").length - 1
  if (colons === 1) {
    const [host, port] = text.split(":") as [string, string]
    return { host: host.replace(/\.$/, ""), port: port === "" ? undefined : port }
  }
  return { host: text.replace(/\.$/, ""), port: undefined }
}

const hostOf = (url: URL): string =>
  url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")

const portOf = (url: URL): string => url.port || (url.protocol === "https:" ? "443" : "80")

/** `host:port` as people write it (`school.test:8080`, `[::1]:80`). */
const hostAndPort = (url: URL): string => `${url.hostname.toLowerCase()}:${portOf(url)}`

export const isAllowedHost = (url: URL, allowed: ReadonlyArray<string>): boolean => {
  const host = hostOf(url)
  const port = portOf(url)
  return allowed
    .map(parseAllowedHost)
    .some((entry) => entry.host === host && (entry.port === undefined || entry.port === port))
}

/** An address for the log and messages: without a user name or password. */
export const showUrl = (url: URL | string): string => {
  const shown = new URL(url)
  shown.username = ""
  shown.password = ""
  return shown.href
}

// ---------------------------------------------------------------------------------------------
// Fetching

/** Why a scrape could not go on; its message is for the people reading the run. */
class ScrapeProblem extends Error {}

interface Limits {
  readonly timeoutMs: number
  readonly maxBytes: number
  readonly allowedHosts: ReadonlyArray<string>
}

export interface Fetched {
  /** where the answer came from (after redirects) */
  readonly url: URL
  readonly status: number
  /** the media type, lower case, without parameters ("" when none was sent) */
  readonly mediaType: string
  readonly charset: string | undefined
  readonly bytes: Uint8Array
  readonly redirects: number
}

const checkTarget = (url: URL, allowedHosts: ReadonlyArray<string>, how: string) => {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ScrapeProblem(`${how} ${showUrl(url)}: only http and https addresses are fetched`)
  }
  if (url.username !== "" || url.password !== "") {
    throw new ScrapeProblem(`${how} ${showUrl(url)}: addresses with a user name or password are not fetched`)
  }
  if (!isAllowedHost(url, allowedHosts)) {
    throw new ScrapeProblem(
      `${how} ${showUrl(url)}: the host ${hostAndPort(url)} is not allowed; ` +
        (allowedHosts.length === 0
          ? "no host is (set BATCHOPS_SCRAPE_ALLOWED_HOSTS to the hosts that may be scraped)"
          : `add it to BATCHOPS_SCRAPE_ALLOWED_HOSTS (allowed now: ${allowedHosts.join(", ")})`),
    )
  }
}

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "the connection was refused",
  ECONNRESET: "the connection was reset",
  ENOTFOUND: "the host name is not known",
  EAI_AGAIN: "the host name could not be looked up",
  EHOSTUNREACH: "the host cannot be reached",
  ENETUNREACH: "the network cannot be reached",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_SOCKET: "the connection closed unexpectedly",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed",
  ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate is for another host",
}

/** A failed fetch in words: the timeout, or the network's reason (never a stack). */
const fetchFailure = (error: unknown, url: URL, limits: Limits, timedOut: boolean): ScrapeProblem => {
  if (error instanceof ScrapeProblem) return error
  if (timedOut) {
    return new ScrapeProblem(`${showUrl(url)} took longer than ${limits.timeoutMs} ms (timeout_ms)`)
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause
  const code = typeof cause?.code === "string" ? cause.code : undefined
  const reason =
    (code !== undefined ? NETWORK_REASONS[code] : undefined) ??
    (typeof cause?.message === "string" ? cause.message : error instanceof Error ? error.message : String(error))
  return new ScrapeProblem(`cannot fetch ${showUrl(url)}: ${reason}`)
}

const tooLarge = (url: URL, limits: Limits, declared?: number) =>
  new ScrapeProblem(
    `${showUrl(url)} is larger than the limit of ${limits.maxBytes} bytes (max_bytes)` +
      (declared === undefined ? "; stopped reading" : `: it says ${declared} bytes`),
  )

/** The body, read chunk by chunk and cut off as soon as it passes the limit. */
const readLimited = async (response: Response, url: URL, limits: Limits): Promise<Uint8Array> => {
  const bytes = await readAtMost(response.body, limits.maxBytes)
  if (bytes === undefined) throw tooLarge(url, limits)
  return bytes
}

const discard = (response: Response) => response.body?.cancel().catch(() => undefined)

/** GET `start`, following redirects by hand (each target checked), within the limits. */
const fetchWithin = async (start: URL, limits: Limits, interrupted: AbortSignal, how: string): Promise<Fetched> => {
  const deadline = AbortSignal.timeout(limits.timeoutMs)
  const signal = AbortSignal.any([interrupted, deadline])
  let url = start
  for (let redirects = 0; ; redirects++) {
    checkTarget(url, limits.allowedHosts, redirects === 0 ? how : `${showUrl(start)} redirected to`)
    try {
      const response = await fetch(url, {
        redirect: "manual",
        signal,
        headers: {
          accept: "text/html,application/xhtml+xml,text/csv;q=0.9,*/*;q=0.5",
          "user-agent": "BatchOps run_web_scrape",
        },
      })
      if (REDIRECT_STATUSES.has(response.status)) {
        await discard(response)
        const location = response.headers.get("location")
        if (location === null || !URL.canParse(location, url.href)) {
          throw new ScrapeProblem(`${showUrl(url)} answered ${response.status} without an address to follow`)
        }
        const next = new URL(location, url)
        if (redirects >= MAX_REDIRECTS) {
          throw new ScrapeProblem(
            `${showUrl(start)} redirected more than ${MAX_REDIRECTS} times (the last time to ${showUrl(next)})`,
          )
        }
        url = next
        continue
      }
      if (response.status < 200 || response.status > 299) {
        await discard(response)
        const text = response.statusText ? ` ${response.statusText}` : ""
        throw new ScrapeProblem(`${showUrl(url)} answered ${response.status}${text}`)
      }
      const declared = Number(response.headers.get("content-length") ?? Number.NaN)
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        await discard(response)
        throw tooLarge(url, limits, declared)
      }
      const bytes = await readLimited(response, url, limits)
      const contentType = response.headers.get("content-type") ?? ""
      const [mediaType = "", ...parameters] = contentType.split(";").map((part) => part.trim())
      const charset = parameters
        .map((parameter) => /^charset\s*=\s*"?([^";]+)"?$/i.exec(parameter)?.[1])
        .find((value) => value !== undefined)
      return {
        url,
        status: response.status,
        mediaType: mediaType.toLowerCase(),
        charset: charset?.toLowerCase(),
        bytes,
        redirects,
      }
    } catch (error) {
      throw fetchFailure(error, url, limits, deadline.aborted && !interrupted.aborted)
    }
  }
}

const toAutomationError = (source: Models.DepartmentSource) => (error: unknown) =>
  new AutomationError({
    message: `source ${source.code}: ${error instanceof ScrapeProblem ? error.message : `the scrape failed: ${error instanceof Error ? error.message : String(error)}`}`,
  })

const fetchPage = (source: Models.DepartmentSource, url: URL, limits: Limits, how: string) =>
  Effect.tryPromise({
    try: (signal) => fetchWithin(url, limits, signal, how),
    catch: toAutomationError(source),
  })

// ---------------------------------------------------------------------------------------------
// What the answer is

const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"])
const CSV_TYPES = new Set([
  "text/csv",
  "application/csv",
  "text/x-csv",
  "application/x-csv",
  "text/comma-separated-values",
  "text/tab-separated-values",
])
/** Types a CSV file is often served as: looked at more closely. */
const VAGUE_TYPES = new Set([
  "",
  "text/plain",
  "application/octet-stream",
  "application/vnd.ms-excel",
  "binary/octet-stream",
])

const looksLikeHtml = (bytes: Uint8Array): boolean => {
  const head = new TextDecoder("latin1")
    .decode(bytes.subarray(0, 1024))
    .replace(/^\ufeff|^ï»¿/, "")
    .trimStart()
  return /^<(!doctype\s+html|html|head|body|table|!--)/i.test(head)
}

/** "html", "csv", or undefined for an answer that is neither (an image, a PDF, JSON...). */
const answerKind = (fetched: Fetched): "html" | "csv" | undefined => {
  if (HTML_TYPES.has(fetched.mediaType)) return "html"
  if (CSV_TYPES.has(fetched.mediaType)) return "csv"
  if (!VAGUE_TYPES.has(fetched.mediaType)) return undefined
  if (looksLikeHtml(fetched.bytes)) return "html"
  if (/\.(csv|tsv|txt)$/i.test(fetched.url.pathname) || fetched.mediaType === "text/plain") return "csv"
  return undefined
}

const decoderFor = (label: string | undefined): TextDecoder | undefined => {
  if (label === undefined) return undefined
  try {
    return new TextDecoder(label)
  } catch {
    return undefined
  }
}

/** The page's text: by its declared charset (header, then `<meta>`), else UTF-8, else Windows-1252. */
const pageText = (fetched: Fetched): string => {
  const bytes = fetched.bytes
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder("utf-8").decode(bytes)
  const declared =
    decoderFor(fetched.charset) ??
    decoderFor(declaredHtmlCharset(new TextDecoder("latin1").decode(bytes.subarray(0, 2048))))
  if (declared !== undefined) return declared.decode(bytes)
  return new TextDecoder(isUtf8(bytes) ? "utf-8" : "windows-1252").decode(bytes)
}

const describeFetch = (fetched: Fetched): string =>
  `${showUrl(fetched.url)} (${fetched.status}, ${fetched.bytes.byteLength} bytes` +
  (fetched.redirects > 0 ? `, after ${fetched.redirects} redirect${fetched.redirects === 1 ? "" : "s"}` : "") +
  ")"

// ---------------------------------------------------------------------------------------------
// Rows

interface Rows {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

/** A CSV's rows with the project's CSV reader (encoding and delimiter sniffed): header first. */
const csvRows = (source: Models.DepartmentSource, name: string, bytes: Uint8Array) =>
  Effect.gen(function* () {
    const parsed = yield* CsvParser.parse(sourceFromBytes(name, bytes))
    const chunks = yield* Stream.runCollect(parsed.records)
    const records: Array<Array<string>> = []
    for (const chunk of chunks) {
      for (const record of chunk) records.push(record.map((cell) => cell ?? ""))
    }
    const headerAt = records.findIndex((record) => record.some((cell) => cell.trim() !== ""))
    if (headerAt < 0) return { columns: [], rows: [] } satisfies Rows
    const header = records[headerAt]!
    const rows = records.slice(headerAt + 1)
    // a loop, not Math.max(...rows): a spread of many thousand rows overflows the stack
    let width = header.length
    for (const row of rows) width = Math.max(width, row.length)
    return { columns: columnNames(header, width), rows } satisfies Rows
  }).pipe(
    Effect.mapError(
      (error) =>
        new AutomationError({ message: `source ${source.code}: the CSV ${name} cannot be read: ${error.message}` }),
    ),
  )

const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32)

/** A file name for an upload: the CSV's own name, or one made from the source and table. */
const fileNameOf = (url: URL, fallback: string): string => {
  const segment = url.pathname.split("/").at(-1) ?? ""
  let decoded = segment
  try {
    decoded = decodeURIComponent(segment)
  } catch {
    // a stray % in the address: the name as written
  }
  const last = decoded.replace(/[^\w.\- ]+/g, "_")
  return /\.(csv|tsv|txt)$/i.test(last) ? last : fallback
}

// ---------------------------------------------------------------------------------------------
// The ingester

/** What a scrape took: the CSV bytes and where they came from, or a table of a page. */
type Taken =
  | { readonly from: "csv"; readonly fetched: Fetched }
  | { readonly from: "table"; readonly fetched: Fetched; readonly table: HtmlTable }

const fail = (source: Models.DepartmentSource, message: string) =>
  Effect.fail(new AutomationError({ message: `source ${source.code}: ${message}` }))

/** Fetches the source's page and takes what its settings ask for (following a CSV link when it has to). */
const take = (
  source: Models.DepartmentSource,
  settings: ResolvedUrlSettings,
  limits: Limits,
  context: AutomationContext,
) =>
  Effect.gen(function* () {
    const page = yield* fetchPage(source, new URL(settings.url), limits, "fetching")
    yield* context.log(`${source.code}: fetched ${describeFetch(page)}`)
    const kind = answerKind(page)
    if (kind === undefined) {
      return yield* fail(
        source,
        `${showUrl(page.url)} is ${page.mediaType === "" ? "of no stated type" : page.mediaType}, neither an HTML page nor a CSV`,
      )
    }
    if (kind === "csv") {
      if (settings.extract === "auto" || settings.extract === "csv") return { from: "csv", fetched: page } as Taken
      return yield* fail(source, `${showUrl(page.url)} is a CSV, not an HTML page (extract "${settings.extract}")`)
    }
    if (settings.extract === "csv") {
      return yield* fail(source, `${showUrl(page.url)} is an HTML page, not a CSV (extract "csv")`)
    }
    const html = parseHtmlPage(pageText(page))
    if (settings.extract === "table" || (settings.extract === "auto" && settings.table !== undefined)) {
      const chosen = chooseTable(html.tables, settings.table)
      if (typeof chosen === "string") return yield* fail(source, `${showUrl(page.url)}: ${chosen}`)
      return { from: "table", fetched: page, table: chosen } as Taken
    }
    if (settings.extract === "auto" && settings.link === undefined) {
      const chosen = chooseTable(html.tables, undefined)
      if (typeof chosen !== "string") return { from: "table", fetched: page, table: chosen } as Taken
    }
    const links = csvLinks(html, page.url.href, settings.link)
    if (links.length === 0) {
      const what =
        settings.link === undefined ? "a link to a .csv file" : `a link to a CSV file with "${settings.link}" in it`
      return yield* fail(
        source,
        settings.extract === "auto" && settings.link === undefined
          ? `${showUrl(page.url)} has neither a table with data rows nor ${what}`
          : `${showUrl(page.url)} has no ${what.replace(/^a /, "")}`,
      )
    }
    const csv = yield* fetchPage(source, links[0]!, limits, `the CSV link of ${showUrl(page.url)},`)
    yield* context.log(`${source.code}: fetched the linked CSV ${describeFetch(csv)}`)
    if (answerKind(csv) !== "csv") {
      return yield* fail(
        source,
        `the linked ${showUrl(csv.url)} is ${csv.mediaType === "" ? "of no stated type" : csv.mediaType}, not a CSV`,
      )
    }
    return { from: "csv", fetched: csv } as Taken
  })

const storeFailed = (source: Models.DepartmentSource) => (error: { readonly message: string }) =>
  new AutomationError({ message: `source ${source.code}: cannot store what was scraped: ${error.message}` })

/** The rows as department records, keyed so a second scrape updates them. */
const intoRecords = (
  source: Models.DepartmentSource,
  settings: ResolvedUrlSettings,
  taken: Taken,
  context: AutomationContext,
) =>
  Effect.gen(function* () {
    const { columns, rows } =
      taken.from === "table"
        ? taken.table
        : yield* csvRows(source, fileNameOf(taken.fetched.url, "scraped.csv"), taken.fetched.bytes)
    if (rows.length > MAX_SCRAPED_RECORDS) {
      return yield* fail(
        source,
        `${rows.length} rows are more than the ${MAX_SCRAPED_RECORDS} a scrape stores as records; ` +
          'take them in as an upload (into "upload")',
      )
    }
    const recordedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    const keyed = keyRecords(columns, rows, {
      kind: settings.recordKind,
      keyColumn: settings.keyColumn,
      digest,
      recordedAt,
    })
    if (typeof keyed === "string") return yield* fail(source, keyed)
    const departments = yield* DepartmentsRepo
    const counts = yield* departments.upsertRecords(source.id, keyed.records).pipe(Effect.mapError(storeFailed(source)))
    const from = taken.from === "table" ? describeTable(taken.table) : "the CSV"
    yield* context.log(
      `${source.code}: ${keyed.records.length} ${settings.recordKind} records from ${from}` +
        ` (keyed by ${keyed.keyColumn === undefined ? "row content" : `column "${keyed.keyColumn}"`}), ` +
        `${counts.inserted} new, ${counts.updated} updated, ${counts.unchanged} unchanged`,
    )
    return {
      rows: keyed.records.length,
      ...(keyed.skipped > 0 ? { skipped_rows: keyed.skipped } : {}),
      columns: columns.length,
      keyed_by: keyed.keyColumn ?? "row content",
      ...counts,
    }
  })

/** The CSV (fetched, or made from the table) as an upload, once per content. */
const intoUpload = (
  source: Models.DepartmentSource,
  settings: ResolvedUrlSettings,
  taken: Taken,
  context: AutomationContext,
) =>
  Effect.gen(function* () {
    const tableName = taken.from === "table" ? `${source.code.toLowerCase()}-table-${taken.table.index}.csv` : ""
    const file =
      taken.from === "table"
        ? {
            fileName: tableName,
            bytes: new TextEncoder().encode(tableToCsv(taken.table.columns, taken.table.rows)),
            rows: taken.table.rows.length,
          }
        : {
            fileName: fileNameOf(taken.fetched.url, `${source.code.toLowerCase()}.csv`),
            bytes: taken.fetched.bytes,
            rows: undefined,
          }
    const sha256 = createHash("sha256").update(file.bytes).digest("hex")
    const ledger = yield* AutomationLedger
    const scope = `web_scrape:${source.id}`
    const key = `${sha256}:${settings.profile}:${settings.plan}`
    const claimed = yield* ledger
      .claim({ scope, key, jobRunId: context.runId, data: { url: showUrl(taken.fetched.url), file: file.fileName } })
      .pipe(Effect.mapError(storeFailed(source)))
    if (!claimed) {
      const entry = yield* ledger.get(scope, key).pipe(Effect.mapError(storeFailed(source)))
      const earlier = Option.match(entry, {
        onNone: () => undefined,
        onSome: (found) => (typeof found.data.upload_id === "string" ? found.data.upload_id : undefined),
      })
      yield* context.log(
        `${source.code}: ${file.fileName} is the same as a file taken before` +
          `${earlier === undefined ? "" : ` (upload ${earlier})`}; not uploaded again`,
      )
      return { file: file.fileName, bytes: file.bytes.byteLength, sha256, duplicate_of: earlier ?? null }
    }
    const intake = yield* UploadIntake
    const receipt = yield* intake
      .submit({ fileName: file.fileName, bytes: file.bytes, profile: settings.profile, plan: settings.plan })
      .pipe(
        // the file was not taken after all: a later scrape may try it again
        Effect.tapError(() => Effect.ignore(ledger.release(scope, key))),
        Effect.mapError(
          (error) =>
            new AutomationError({
              message: `source ${source.code}: the upload of ${file.fileName} was refused: ${error.message}`,
            }),
        ),
      )
    yield* ledger
      .annotate(scope, key, { url: showUrl(taken.fetched.url), file: file.fileName, upload_id: receipt.uploadId })
      .pipe(Effect.mapError(storeFailed(source)))
    yield* context.log(
      `${source.code}: uploaded ${file.fileName} (${file.bytes.byteLength} bytes` +
        `${file.rows === undefined ? "" : `, ${file.rows} rows`}) as upload ${receipt.uploadId}`,
    )
    return {
      file: file.fileName,
      bytes: file.bytes.byteLength,
      ...(file.rows === undefined ? {} : { rows: file.rows }),
      sha256,
      upload_id: receipt.uploadId,
    }
  })

export const ingestUrlSource: SourceIngester = (source, context) =>
  Effect.gen(function* () {
    const settings = resolveUrlSettings(Schema.decodeUnknownSync(UrlSettings)(source.settings))
    const { scrapeAllowedHosts } = yield* AutomationSettings
    const limits: Limits = {
      timeoutMs: settings.timeoutMs,
      maxBytes: settings.maxBytes,
      allowedHosts: scrapeAllowedHosts,
    }
    const taken = yield* take(source, settings, limits, context)
    const fetched = {
      url: showUrl(taken.fetched.url),
      status: taken.fetched.status,
      fetched_bytes: taken.fetched.bytes.byteLength,
      extracted: taken.from === "table" ? describeTable(taken.table) : "csv",
    }
    const result =
      settings.into === "records"
        ? yield* intoRecords(source, settings, taken, context)
        : yield* intoUpload(source, settings, taken, context)
    return { ...fetched, ...result }
  })
