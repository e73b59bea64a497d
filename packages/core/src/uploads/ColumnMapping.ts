/**
 * Column mappings: when a file's headers do not satisfy its profile, a person (or a mapping
 * remembered from an earlier file with the same headers) says which source header is which
 * profile column. A mapping only renames source headers to profile column names before the
 * profile is applied; files that need none follow docs/pipeline.md unchanged.
 *
 * Everything here is pure: the fingerprint of a header set, the profile columns a header
 * lacks, ranked suggestions for each, and checking and applying a mapping.
 */
import type { Effect } from "effect"
import { STUDENT_ID_ALIASES } from "../pipeline/BuiltinProfiles.js"
import { applyAliases, normalizeHeader, normalizeName } from "../pipeline/Normalize.js"
import type { Profile } from "../pipeline/Profile.js"

/** Source header (as in the file, or its normalized name) -> profile column name. */
export type ColumnMapping = Readonly<Record<string, string>>

/** The aliases in force for a profile: the `student_id` ones, then the profile's own. */
const aliasesOf = (profile: Profile): Readonly<Record<string, ReadonlyArray<string>>> => ({
  student_id: STUDENT_ID_ALIASES,
  ...(profile.aliases ?? {}),
})

/** FNV-1a (32 bit) of a string, as 8 hex digits; `seed` varies it for a second, independent hash. */
const fnv1a = (text: string, seed: number): string => {
  let hash = seed >>> 0
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, "0")
}

/**
 * A header set's fingerprint: its names normalized like the pipeline's header (`Student ID`
 * and `student id` are one name), order ignored, blank cells ignored, repeated names once.
 * Stable across runs and hosts: `h1:` + count + two FNV-1a hashes of the sorted names.
 */
export const headerFingerprint = (headers: ReadonlyArray<string>): string => {
  const names = [...new Set(headers.map(normalizeName).filter((name) => name !== ""))].sort()
  const text = names.join("\n")
  return `h1:${names.length}:${fnv1a(text, 0x811c9dc5)}${fnv1a(text, 0x050c5d1f)}`
}

/** Every column name a profile speaks of: its requirements' alternatives, its keys, its aliases' targets. */
export const profileColumns = (profile: Profile): ReadonlyArray<string> => {
  const names = new Set<string>()
  for (const requirement of profile.required) for (const alt of requirement.anyOf) for (const c of alt) names.add(c)
  for (const key of profile.keys) names.add(key)
  for (const canonical of Object.keys(profile.aliases ?? {})) names.add(canonical)
  return [...names]
}

/** The columns a header has once normalized and its profile's aliases applied (as `standardize_results` does). */
export const profiledColumns = (profile: Profile, headers: ReadonlyArray<string>): Array<string> =>
  applyAliases(normalizeHeader(headers), aliasesOf(profile)).columns

/**
 * The profile columns a header lacks: for each requirement not met, the columns of its
 * alternative that lacks the fewest (the first such alternative on a tie), in profile order.
 */
export const missingColumns = (profile: Profile, headers: ReadonlyArray<string>): ReadonlyArray<string> => {
  const present = new Set(profiledColumns(profile, headers))
  const missing: Array<string> = []
  for (const requirement of profile.required) {
    let best: ReadonlyArray<string> | undefined
    for (const alternative of requirement.anyOf) {
      const lacking = alternative.filter((column) => !present.has(column))
      if (best === undefined || lacking.length < best.length) best = lacking
    }
    for (const column of best ?? []) if (!missing.includes(column)) missing.push(column)
  }
  return missing
}

/** Levenshtein distance (two rows). */
const editDistance = (a: string, b: string): number => {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * How alike two normalized names are, 0..1: the best of the normalized edit distance, the
 * token overlap (Jaccard of the `_`-separated words) and, when one contains the other whole,
 * the share of the longer it covers.
 */
export const nameSimilarity = (a: string, b: string): number => {
  if (a === "" || b === "") return 0
  if (a === b) return 1
  const edit = 1 - editDistance(a, b) / Math.max(a.length, b.length)
  const ta = new Set(a.split("_").filter(Boolean))
  const tb = new Set(b.split("_").filter(Boolean))
  let shared = 0
  for (const token of ta) if (tb.has(token)) shared += 1
  const tokens = shared / (ta.size + tb.size - shared)
  const contained = a.includes(b) || b.includes(a) ? Math.min(a.length, b.length) / Math.max(a.length, b.length) : 0
  return Math.max(edit, tokens, contained)
}

/** A source header offered for a profile column, with how alike they are (0..1). */
export interface Suggestion {
  readonly header: string
  readonly score: number
}

/**
 * For each missing profile column, every header of the file that does not already give a
 * column the profile uses, ranked best first. Scores are the similarity to the column's name
 * and its aliases (rounded to 3 decimals). The first of each list is the column's suggested
 * header: headers are handed out one per column, the most alike pair first (ties: the
 * profile's column order, then file order), so a header that plainly is one column is not
 * also suggested first for another. The rest follow by score, equal scores in file order.
 */
export const suggestMappings = (
  profile: Profile,
  headers: ReadonlyArray<string>,
): Readonly<Record<string, ReadonlyArray<Suggestion>>> => {
  const missing = missingColumns(profile, headers)
  const known = new Set(profileColumns(profile))
  const mapped = profiledColumns(profile, headers)
  const candidates = headers
    .map((header, index) => ({ header, name: normalizeName(header), index }))
    .filter((candidate, i) => candidate.header.trim() !== "" && !known.has(mapped[i] ?? ""))
  const aliases = aliasesOf(profile)
  const scored = missing.map((column, columnIndex) => {
    const names = [column, ...(aliases[column] ?? [])]
    return candidates
      .map((candidate) => ({
        header: candidate.header,
        index: candidate.index,
        column,
        columnIndex,
        score: Math.round(Math.max(...names.map((name) => nameSimilarity(candidate.name, name))) * 1000) / 1000,
      }))
      .sort((x, y) => y.score - x.score || x.index - y.index)
  })
  // one header per column, the most alike pairs first
  const pairs = scored.flat().sort((x, y) => y.score - x.score || x.columnIndex - y.columnIndex || x.index - y.index)
  const assigned = new Map<string, number>()
  const used = new Set<number>()
  for (const pair of pairs) {
    if (assigned.has(pair.column) || used.has(pair.index)) continue
    assigned.set(pair.column, pair.index)
    used.add(pair.index)
  }
  const result: Record<string, ReadonlyArray<Suggestion>> = {}
  missing.forEach((column, i) => {
    const ranked = scored[i]!
    const first = assigned.get(column)
    const ordered =
      first === undefined
        ? ranked
        : [...ranked.filter((s) => s.index === first), ...ranked.filter((s) => s.index !== first)]
    result[column] = ordered.map(({ header, score }) => ({ header, score }))
  })
  return result
}

/**
 * What is wrong with a mapping for a header under a profile, as sentences (none: it may be
 * applied): a source that is not a header of the file, a target the profile does not know,
 * two headers onto one column, a target the file already has under another header.
 */
export const checkColumnMapping = (
  profile: Profile,
  headers: ReadonlyArray<string>,
  mapping: ColumnMapping,
): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const known = profileColumns(profile)
  const names = normalizeHeader(headers)
  const sources = new Map<string, string>()
  for (const [source, target] of Object.entries(mapping)) {
    const index = indexOfHeader(headers, names, source)
    if (index < 0) {
      problems.push(`"${source}" is not a header of the file (its headers: ${headers.join(", ")})`)
      continue
    }
    if (!known.includes(target)) {
      problems.push(
        `"${source}" is mapped onto "${target}", which is not a column of the ${profile.id} profile (its columns: ${known.join(", ") || "none"})`,
      )
      continue
    }
    const other = sources.get(target)
    if (other !== undefined) {
      problems.push(`"${other}" and "${source}" are both mapped onto "${target}"; a column takes one header`)
      continue
    }
    sources.set(target, source)
    const clash = names.findIndex((name, i) => name === target && i !== index && !isSource(mapping, headers[i]!, name))
    if (clash >= 0) {
      problems.push(`"${source}" is mapped onto "${target}", but the file already has "${headers[clash]}" as ${target}`)
    }
  }
  return problems
}

const isSource = (mapping: ColumnMapping, header: string, name: string) =>
  Object.hasOwn(mapping, header) || Object.hasOwn(mapping, name)

/** Where a mapping's source is in a header: by the header as written, else by its normalized name. */
const indexOfHeader = (headers: ReadonlyArray<string>, names: ReadonlyArray<string>, source: string): number => {
  const exact = headers.indexOf(source)
  if (exact >= 0) return exact
  const name = normalizeName(source)
  return name === "" ? -1 : names.indexOf(name)
}

/** A mapping refused (see `checkColumnMapping`). */
export class ColumnMappingError extends Error {
  readonly problems: ReadonlyArray<string>
  constructor(problems: ReadonlyArray<string>) {
    super(`the column mapping is refused: ${problems.join("; ")}`)
    this.name = "ColumnMappingError"
    this.problems = problems
  }
}

/**
 * A normalized header (as `normalizeHeader` gives it) with the mapping applied: each mapped
 * source becomes its profile column. `headers` are the same cells as written, so a source may
 * be named either way. Throws `ColumnMappingError` for a mapping `checkColumnMapping` refuses.
 */
export const applyColumnMapping = (
  profile: Profile,
  headers: ReadonlyArray<string>,
  mapping: ColumnMapping,
): { readonly columns: Array<string>; readonly renamed: Record<string, string> } => {
  const problems = checkColumnMapping(profile, headers, mapping)
  if (problems.length > 0) throw new ColumnMappingError(problems)
  const names = normalizeHeader(headers)
  const columns = [...names]
  const renamed: Record<string, string> = {}
  for (const [source, target] of Object.entries(mapping)) {
    const index = indexOfHeader(headers, names, source)
    if (columns[index] !== target) renamed[headers[index]!] = target
    columns[index] = target
  }
  return { columns, renamed }
}

/**
 * Where a run's mapping comes from: a fixed mapping (the library's own callers), or a lookup
 * by profile and header (a host's remembered mappings). Either is used only when the file's
 * header does not satisfy the profile.
 */
export type ColumnMappingSource =
  | ColumnMapping
  | ((request: {
      readonly profile: string
      readonly headers: ReadonlyArray<string>
      readonly fingerprint: string
    }) => Effect.Effect<ColumnMapping | undefined>)
