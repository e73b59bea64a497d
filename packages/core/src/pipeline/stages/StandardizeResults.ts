/**
 * `standardize_results`: open the file with the parser its bytes call for, find the header,
 * clean cells, normalize column names, map aliases, and resolve the profile.
 */
import { Cause, Effect, Exit, Stream } from "effect"
import { applyColumnMapping, checkColumnMapping, headerFingerprint } from "../../uploads/ColumnMapping.js"
import { STUDENT_ID_ALIASES } from "../BuiltinProfiles.js"
import { decimalMarkOf } from "../Coerce.js"
import type { ParseError } from "../Errors.js"
import { isMarkedClean, unreadableReason } from "../FileParser.js"
import { applyAliases, cleanCell, isIdentifierName, normalizeHeader } from "../Normalize.js"
import { missingRequirements, type Profile } from "../Profile.js"
import type { Cell, RawRecord, Row } from "../Row.js"
import type { Stage, StageContext, StageRegistry } from "../Stage.js"

/** How many leading bytes parsers look at to recognize their format. */
export const HEAD_BYTES = 64 * 1024

/** Longest cell accepted: what a spreadsheet cell can hold. */
export const MAX_CELL_LENGTH = 32_767

/** Row numbers listed in one message before "and N more". */
const LISTED = 10

/** Columns after the `student_id` aliases and the profile's own. */
export const columnsFor = (profile: Profile | undefined, columns: ReadonlyArray<string>) =>
  applyAliases(columns, { student_id: STUDENT_ID_ALIASES, ...(profile?.aliases ?? {}) })

/**
 * The profile `auto` picks: of the profiles whose required columns are all present, the one
 * with the most requirements (ties in registration order); `generic` when none fits.
 */
export const pickProfile = (registry: StageRegistry, columns: ReadonlyArray<string>): Profile | undefined => {
  let best: Profile | undefined
  for (const profile of registry.profiles.values()) {
    if (profile.required.length === 0) continue
    const mapped = columnsFor(profile, columns).columns
    if (missingRequirements(profile, mapped).length > 0) continue
    if (best === undefined || profile.required.length > best.required.length) best = profile
  }
  return best ?? registry.profiles.get("generic")
}

/** Records held while looking for a header of two cells in a file of one-cell records. */
const HELD_RECORDS = 10_000

/** Data rows whose number-like cells decide the decimal mark of a `;`-delimited file. */
export const DECIMAL_MARK_ROWS = 1000

/** The non-empty cells of a record (after cleaning), counted up to two. */
const filledCells = (record: RawRecord): number => {
  let filled = 0
  for (const cell of record) {
    if (cell !== null && cell !== undefined && cleanCell(cell) !== undefined && ++filled === 2) break
  }
  return filled
}

const listRows = (rows: ReadonlyArray<number>, total: number) =>
  rows.slice(0, LISTED).join(", ") + (total > LISTED ? ` and ${total - LISTED} more` : "")

const start = Effect.fn("StandardizeResults.start")(function* (context: StageContext) {
  const { source, registry, state, log } = context
  const fail = (message: string) => context.fail(`${source.name}: ${message}`)
  if (source.size === 0) return yield* fail("the file is empty (0 bytes)")

  const head = yield* Effect.mapError(source.head(HEAD_BYTES), (e) => fail(e.message))
  if (registry.parsers.length === 0) {
    // an embedder's registry without any parser: say so, rather than blame the file
    return yield* fail(
      "no file parser is registered, so no file can be read: register parsersPlugin from @batchops/parsers " +
        "(or a plugin with parsers of its own)",
    )
  }
  const parser = registry.parsers.find((candidate) => candidate.detect(head))
  if (parser === undefined) {
    return yield* fail(
      `the file is not a format BatchOps reads (${describe(head)}); send CSV, TSV, XLSX, XLS, ODS or PDF (${registry.parsers
        .map((p) => p.name)
        .join(", ")} are installed)`,
    )
  }
  const toStageError = (error: ParseError) => fail(error.message)
  const parsed = yield* Effect.mapError(parser.parse(source), toStageError)
  state.format = parsed.format
  log.format = parsed.format
  log.parser = parser.name
  Object.assign(log, parsed.details)

  // Records arrive in chunks; keep a cursor into the current one.
  // The pipeline's scope keeps the parser open until the run ends.
  let pull = yield* Stream.toPull(parsed.records)
  let pending: Array<ReadonlyArray<RawRecord>> = []
  let ended = false
  const nextChunk = Effect.fnUntraced(function* () {
    while (pending.length === 0) {
      if (ended) return undefined
      const exit = yield* Effect.exit(pull)
      if (Exit.isFailure(exit)) {
        const error = Cause.squash(exit.cause)
        if (Cause.isDone(error)) {
          ended = true
          return undefined
        }
        return yield* fail(error instanceof Error ? error.message : String(error))
      }
      pending = [...exit.value]
    }
    return pending.shift()
  })

  let recordNumber = 0
  // The header is the first record with at least two non-empty cells. Before it, blank records
  // are skipped and records of one cell are titles ("Grade 10 - Term 1 results"), skipped too.
  // Where no record has two cells, the header is the first non-blank record: the records from
  // it on are held until that is known; past HELD_RECORDS only their count is kept, and the
  // file is read again if it ends without a record of two cells.
  let header: RawRecord | undefined
  let rest: Array<RawRecord> = []
  let blank = 0
  let leadingBlank = 0
  let titles = 0
  let held: Array<RawRecord> | undefined = []
  let nonBlankSeen = false
  search: while (true) {
    const chunk = yield* nextChunk()
    if (chunk === undefined) break
    for (let i = 0; i < chunk.length; i++) {
      const record = chunk[i]!
      const filled = filledCells(record)
      if (filled >= 2) {
        header = record
        rest = chunk.slice(i + 1)
        break search
      }
      if (filled === 0) blank += 1
      else titles += 1
      if (!nonBlankSeen) {
        if (filled === 0) {
          leadingBlank += 1
          continue
        }
        nonBlankSeen = true
      }
      held?.push(record)
      if (held !== undefined && held.length > HELD_RECORDS) held = undefined
    }
  }
  if (header !== undefined) {
    log.skippedLeadingRows = blank
    log.titleRows = titles
  } else {
    if (!nonBlankSeen) return yield* fail("the file has no header: every row is blank")
    log.skippedLeadingRows = leadingBlank
    log.titleRows = 0
    if (held !== undefined) {
      header = held[0]!
      rest = held.slice(1)
    } else {
      // read the file again, to the first non-blank record
      const again = yield* Effect.mapError(parser.parse(source), toStageError)
      pull = yield* Stream.toPull(again.records)
      pending = []
      ended = false
      let skip = leadingBlank
      while (header === undefined) {
        const chunk = yield* nextChunk()
        if (chunk === undefined) return yield* fail("the file changed while it was read")
        if (skip < chunk.length) {
          header = chunk[skip]!
          rest = chunk.slice(skip + 1)
        } else skip -= chunk.length
      }
    }
  }
  held = undefined
  recordNumber = 1

  const originalHeader = header.map((cell) => cleanCell(cell) ?? "")
  let width = originalHeader.length
  while (width > 0 && originalHeader[width - 1] === "") width -= 1
  let normalized = normalizeHeader(originalHeader.slice(0, width))
  const requested = state.profile
  const profile = requested ?? pickProfile(registry, normalized)
  state.profile = profile
  // a column mapping renames source headers only when the requested profile is not met as is
  if (
    requested !== undefined &&
    state.columnMapping !== undefined &&
    missingRequirements(requested, columnsFor(requested, normalized).columns).length > 0
  ) {
    const headers = originalHeader.slice(0, width)
    const fingerprint = headerFingerprint(headers)
    const source = state.columnMapping
    const mapping =
      typeof source === "function" ? yield* source({ profile: requested.id, headers, fingerprint }) : source
    if (mapping !== undefined && Object.keys(mapping).length > 0) {
      const problems = checkColumnMapping(requested, headers, mapping)
      if (problems.length > 0) return yield* fail(`the column mapping is refused: ${problems.join("; ")}`)
      normalized = applyColumnMapping(requested, headers, mapping).columns
      log.columnMapping = { fingerprint, mapping, remembered: typeof source === "function" }
    }
  }
  const { columns, renamed } = columnsFor(profile, normalized)
  log.profile = profile?.id
  log.columns = columns
  log.header = originalHeader.slice(0, width)
  if (Object.keys(renamed).length > 0) log.aliases = renamed
  if (width === 0) return yield* fail("the header row is empty")

  // Decimal commas: a `;`-delimited file whose number-like cells (outside identifier and coded
  // columns) among the first data rows end in `,` and one or two digits, and none in `.` and
  // one or two digits, writes `87,5` for 87.5. The rows read to decide wait in `rest`.
  if (typeof parsed.details.delimiter === "string") {
    if (parsed.details.delimiter === ";") {
      const keys = profile?.keys ?? []
      const numeric: Array<number> = []
      for (let c = 0; c < width; c++) {
        if (!isIdentifierName(columns[c]!, keys) && profile?.codes?.[columns[c]!] === undefined) numeric.push(c)
      }
      let comma = false
      let rows = 0
      let at = 0
      sample: while (rows < DECIMAL_MARK_ROWS) {
        if (at === rest.length) {
          const chunk = yield* nextChunk()
          if (chunk === undefined) break
          rest = rest.concat(chunk)
        }
        const record = rest[at++]!
        if (filledCells(record) === 0) continue
        rows += 1
        for (const c of numeric) {
          const text = cleanCell(record[c])
          const mark = text === undefined ? undefined : decimalMarkOf(text)
          if (mark === ".") {
            comma = false
            break sample
          }
          if (mark === ",") comma = true
        }
      }
      if (comma) state.decimalMark = ","
    }
    log.decimalMark = state.decimalMark
  }

  const ragged: Array<number> = []
  let raggedCount = 0
  let dropped = 0
  let longCell: string | undefined

  const toRows = (records: ReadonlyArray<RawRecord>): Array<Row> => {
    const rows: Array<Row> = []
    const clean = isMarkedClean(records)
    for (const record of records) {
      recordNumber += 1
      const length = record.length
      for (let c = width; c < length; c++) {
        if (cleanCell(record[c]) !== undefined) {
          raggedCount += 1
          if (ragged.length < LISTED) ragged.push(recordNumber)
          break
        }
      }
      // Parsers hand their record arrays over: each becomes its row's cells, saving a copy per row.
      const cells = record as unknown as Array<Cell>
      let present = false
      for (let c = 0; c < width; c++) {
        const raw = record[c]
        const cell = clean ? (raw === "" || raw === null ? undefined : raw) : cleanCell(raw)
        if (cell !== undefined) {
          present = true
          if (cell.length > MAX_CELL_LENGTH && longCell === undefined) {
            longCell = `row ${recordNumber}, column ${columns[c]}: a cell of ${cell.length.toLocaleString("en-US")} characters is longer than the ${MAX_CELL_LENGTH.toLocaleString("en-US")} a spreadsheet cell can hold`
          }
        }
        cells[c] = cell
      }
      if (length > width) cells.length = width
      const unreadable = unreadableReason(record)
      if (unreadable !== undefined) {
        context.report({ row: recordNumber, rule: "unreadable_row", message: `row ${recordNumber}: ${unreadable}` })
      }
      if (!present) {
        dropped += 1
        continue
      }
      if (length < width) {
        context.report({
          row: recordNumber,
          rule: "short_row",
          message: `row ${recordNumber} has ${length} cells, the header has ${width}; the missing ones are empty`,
        })
      }
      rows.push({ number: recordNumber, cells })
    }
    return rows
  }

  let dataRows = 0
  let first = true
  const next = Effect.fnUntraced(function* () {
    while (true) {
      const records = first ? rest : yield* nextChunk()
      first = false
      if (records === undefined) return undefined
      const rows = toRows(records)
      if (longCell !== undefined) return yield* fail(longCell)
      dataRows += rows.length
      if (rows.length > 0) return rows
    }
  })

  const finish = Effect.fnUntraced(function* () {
    log.rows = dataRows
    log.droppedEmptyRows = dropped
    if (raggedCount > 0) {
      return yield* fail(
        `${raggedCount} ${raggedCount === 1 ? "row has" : "rows have"} more cells than the header's ${width} columns ` +
          `(row ${listRows(ragged, raggedCount)}); a cell may hold an unquoted delimiter, or the header is missing a column`,
      )
    }
    if (dataRows === 0) return yield* fail("the file has a header but no data rows")
    return undefined
  })

  return { columns, next, finish }
})

/** A few words on what leading bytes look like, for the "not a format" message. */
const describe = (head: Uint8Array): string => {
  const magic: ReadonlyArray<readonly [string, ReadonlyArray<number>]> = [
    ["a PNG image", [0x89, 0x50, 0x4e, 0x47]],
    ["a JPEG image", [0xff, 0xd8, 0xff]],
    ["a GIF image", [0x47, 0x49, 0x46, 0x38]],
    ["a gzip archive", [0x1f, 0x8b]],
    ["a legacy Excel 97-2003 .xls workbook (save it as .xlsx or CSV)", [0xd0, 0xcf, 0x11, 0xe0]],
    ["a ZIP archive", [0x50, 0x4b, 0x03, 0x04]],
  ]
  for (const [name, bytes] of magic) {
    if (bytes.every((byte, i) => head[i] === byte)) return `it looks like ${name}`
  }
  return "it is binary data, not text"
}

export const standardizeResults: Stage = {
  name: "standardize_results",
  description: "Detect the format, read the table, normalize the header and cells.",
  start: (context) => start(context),
}
