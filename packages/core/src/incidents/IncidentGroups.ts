/**
 * Grouping failures: the same error across uploads is one story, not one incident per file.
 * A failure's fingerprint ignores what changes from one upload to the next (row numbers,
 * counts, ids, quoted cell values, paths, dates in file names) and keeps what says which
 * error it is (the stage, the known error or the shape of the message, the source).
 */
import { IncidentGroup, type IncidentStatus } from "../models/Models.js"

export interface FailureKey {
  readonly stage: string
  /** name of the matched known error, or null: the known error names the story better than any message */
  readonly knownError: string | null
  readonly message: string
  /** the department, or the uploaded file's name; null when unknown */
  readonly source: string | null
}

/**
 * Only the start of a message is normalized: it says which error it is, and it bounds the
 * work of the replacements below on a huge message.
 */
const MAX_KEY_MESSAGE = 2000

const QUOTED = /"[^"]*"|'[^']*'|`[^`]*`|“[^”]*”|‘[^’]*’/g
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g
/** hex runs of 8+ with letters and digits: hashes and generated ids, not words ("deadbeef") or numbers */
const HEX_ID = /\b(?=\d*[a-f])(?=[a-f]*\d)[0-9a-f]{8,}\b/g
const PATH = /(?:[a-z]:)?(?:[\w.~-]*[\\/])+[\w.~-]*/g
/** the extension may run into digits ("g.csv3 rows" after a lost space); only a letter ends it early */
const FILE_NAME = /\b[\w.-]+\.(?:csv|tsv|xlsx|xls|pdf|json|txt)(?![a-z])/g
/** "row 2, 5 ..." lists a few rows of many: the ellipsis (and the space before it) goes */
const ELLIPSIS = /\s*(?:[.…]{3,}|[.…]*…[.…]*)/g
const NUMBER = /\d+(?:[.,]\d+)*/g
/** "<n>, <n> and <n>", "<n>-<n>": a list or range of numbers is one placeholder */
const NUMBER_LIST = /<n>(?:\s*(?:,|;|-|–|\band\b|\bto\b)\s*<n>)+/g
/** "1 row" and "12 rows" tell the same story */
const PLURAL = /(<n>\s+\w*[^\Ws])s(?![\w<])/g

/**
 * A failure message with what varies between uploads replaced by placeholders, lower-cased,
 * whitespace collapsed: "student_id is missing in 3 rows (row 4, 9, 17)" becomes
 * "student_id is missing in <n> row (row <n>)". Normalizing a normalized message changes
 * nothing (for messages whose normalized text stays within the first 2,000 characters).
 */
export const normalizeMessage = (message: string): string =>
  message
    .slice(0, MAX_KEY_MESSAGE)
    .toLowerCase()
    // first, so a quoted value split over lines is still one value
    .replace(/\s+/g, " ")
    .replace(QUOTED, "<value>")
    .replace(ELLIPSIS, "")
    .replace(UUID, "<id>")
    .replace(HEX_ID, "<id>")
    .replace(PATH, "<path>")
    .replace(FILE_NAME, "<file>")
    .replace(NUMBER, "<n>")
    // before lists: "<n> ands <n>" must read "<n> and <n>" when lists are joined
    .replace(PLURAL, "$1")
    .replace(NUMBER_LIST, "<n>")
    .replace(/\s+/g, " ")
    .trim()

/**
 * A source as a group key: a department name as is (lower-cased), a file name without its
 * folder, dates and numbers ("Gradebook 10B 2026-11-28 v2.csv" -> "gradebook <n>b <n> v<n>.csv").
 */
export const normalizeSource = (source: string): string =>
  (source.split(/[\\/]/).pop() ?? source)
    .toLowerCase()
    .replace(/\d+(?:[-_.]\d+)*/g, "<n>")
    .replace(/[\s_]+/g, " ")
    .trim()

/** The readable key a fingerprint hashes: stage | known error or message shape | source. */
export const fingerprintKey = (failure: FailureKey): string =>
  [
    failure.stage,
    failure.knownError !== null ? `known:${failure.knownError}` : `message:${normalizeMessage(failure.message)}`,
    failure.source !== null ? `source:${normalizeSource(failure.source)}` : "source:",
  ].join("|")

/**
 * A stable fingerprint: the stage, then a 64-bit FNV-1a hash of the key, e.g.
 * "validate_results:9f3c0a1b2d4e5f60". The hash is written here, not taken from node:crypto,
 * so core stays free of platform modules; 64 bits keep collisions negligible at our volumes.
 */
export const fingerprint = (failure: FailureKey): string => `${failure.stage}:${fnv1a64(fingerprintKey(failure))}`

const FNV_OFFSET = 0xcbf29ce484222325n
const FNV_PRIME = 0x100000001b3n
const MASK_64 = 0xffffffffffffffffn

const fnv1a64 = (text: string): string => {
  let hash = FNV_OFFSET
  for (const byte of new TextEncoder().encode(text)) {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64
  }
  return hash.toString(16).padStart(16, "0")
}

/** The group of a failure seen for the first time. */
export const newGroup = (failure: FailureKey, at: string, incidentId: string | null): IncidentGroup =>
  new IncidentGroup({
    fingerprint: fingerprint(failure),
    stage: failure.stage,
    knownError: failure.knownError,
    messagePattern: normalizeMessage(failure.message),
    source: failure.source !== null ? normalizeSource(failure.source) : null,
    incidentId,
    count: 1,
    firstSeen: at,
    lastSeen: at,
  })

/**
 * Count one more occurrence. Occurrences may be recorded out of order (retries, several
 * workers), so first and last seen move only outward.
 */
export const recordOccurrence = (group: IncidentGroup, at: string): IncidentGroup =>
  new IncidentGroup({
    ...group,
    count: group.count + 1,
    firstSeen: Date.parse(at) < Date.parse(group.firstSeen) ? at : group.firstSeen,
    lastSeen: Date.parse(at) > Date.parse(group.lastSeen) ? at : group.lastSeen,
  })

/**
 * What a recurrence does to the group's incident:
 * - "attach": the incident is still being worked on; the occurrence is added to its timeline
 * - "reopen": it was resolved, so the fix did not hold; it reopens with a "recurred" entry
 * - "open_new": it was archived (closed for good); a new incident starts a new story and the
 *   group points to it
 * - "open_new" too when the group has no incident yet
 */
export type RecurrenceAction = "attach" | "reopen" | "open_new"

export const recurrenceAction = (status: IncidentStatus | null): RecurrenceAction => {
  switch (status) {
    case "open":
    case "in_progress":
      return "attach"
    case "resolved":
      return "reopen"
    default:
      return "open_new"
  }
}

/** Whether a recurrence reopens the incident: only a resolved one (an archived one stays archived). */
export const shouldReopen = (status: IncidentStatus | null): boolean => recurrenceAction(status) === "reopen"
