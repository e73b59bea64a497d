/**
 * The settings of a `url` department source: the page to fetch, what to take from it (a
 * table, a linked CSV, the CSV itself) and where it goes (department records, or an upload
 * that runs the normal pipeline). Only hosts the host allows (`BATCHOPS_SCRAPE_ALLOWED_HOSTS`)
 * are fetched; that is the host's setting, not the source's, so a source cannot widen it.
 */
import { Schema } from "effect"

const HttpUrl = Schema.String.check(
  Schema.makeFilter((text: string) => {
    if (!URL.canParse(text)) return "must be an absolute http(s) URL"
    const protocol = new URL(text).protocol
    return protocol === "http:" || protocol === "https:" ? undefined : "must be an http or https URL"
  }),
)

const Text = Schema.String.check(Schema.isNonEmpty(), Schema.isTrimmed())

export const URL_EXTRACTS = ["auto", "table", "csv_link", "csv"] as const
export type UrlExtract = (typeof URL_EXTRACTS)[number]

export const URL_TARGETS = ["records", "upload"] as const
export type UrlTarget = (typeof URL_TARGETS)[number]

/** Upper bounds a source may ask for: a scrape is a page or a file, not a download job. */
export const MAX_SCRAPE_TIMEOUT_MS = 60_000
export const MAX_SCRAPE_BYTES = 50 * 1024 * 1024

const Fields = Schema.Struct({
  url: HttpUrl.annotate({ description: "the page (or CSV file) to fetch" }),
  extract: Schema.optionalKey(
    Schema.Literals(URL_EXTRACTS).annotate({
      description:
        'what to take (default "auto": a CSV answer is the CSV; an HTML page gives its table, or else the CSV ' +
        'it links to, or with `link` that CSV link); "table": a table of the page; "csv_link": the CSV the page links ' +
        'to; "csv": the answer is a CSV',
    }),
  ),
  table: Schema.optionalKey(
    Schema.Union([Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), Text]).annotate({
      description:
        "which table: its position (0 is the first), or its id or a word of its caption (default: the first " +
        "table with data rows)",
    }),
  ),
  link: Schema.optionalKey(
    Text.annotate({
      description: "which CSV link: one whose text or address contains this (default: the first link to a .csv)",
    }),
  ),
  into: Schema.optionalKey(
    Schema.Literals(URL_TARGETS).annotate({
      description: 'where the rows go: "records" (department records, the default) or "upload" (the pipeline)',
    }),
  ),
  record_kind: Schema.optionalKey(
    Text.check(Schema.isMaxLength(100)).annotate({ description: 'the records\' kind (default "row")' }),
  ),
  key_column: Schema.optionalKey(
    Text.annotate({
      description:
        "the column whose value keys a record, so scraping again updates it (default: the first column when its " +
        "values are all there and all different, else the row's content)",
    }),
  ),
  profile: Schema.optionalKey(Text.annotate({ description: 'into upload: the profile (default "auto")' })),
  plan: Schema.optionalKey(Text.annotate({ description: 'into upload: the plan (default "transform")' })),
  timeout_ms: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 100, maximum: MAX_SCRAPE_TIMEOUT_MS })).annotate({
      description: `how long one fetch may take, redirects included (default 10000, at most ${MAX_SCRAPE_TIMEOUT_MS})`,
    }),
  ),
  max_bytes: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_SCRAPE_BYTES })).annotate({
      description: `the largest answer taken, in bytes (default 5 MB, at most ${MAX_SCRAPE_BYTES})`,
    }),
  ),
})

/** A setting that the other settings make pointless is refused, rather than silently ignored. */
const contradiction = (settings: typeof Fields.Type): string | undefined => {
  const extract = settings.extract ?? "auto"
  const into = settings.into ?? "records"
  if (settings.table !== undefined && extract !== "auto" && extract !== "table") {
    return `table only applies to extract "table" or "auto", not "${extract}"`
  }
  if (settings.link !== undefined && extract !== "auto" && extract !== "csv_link") {
    return `link only applies to extract "csv_link" or "auto", not "${extract}"`
  }
  if (into === "upload" && (settings.record_kind !== undefined || settings.key_column !== undefined)) {
    return 'record_kind and key_column only apply to into "records"'
  }
  if (into === "records" && (settings.profile !== undefined || settings.plan !== undefined)) {
    return 'profile and plan only apply to into "upload"'
  }
  return undefined
}

export const UrlSettings = Fields.check(Schema.makeFilter(contradiction))

export type UrlSettings = typeof UrlSettings.Type

/** The settings with every default filled in. */
export interface ResolvedUrlSettings {
  readonly url: string
  readonly extract: UrlExtract
  readonly table: number | string | undefined
  readonly link: string | undefined
  readonly into: UrlTarget
  readonly recordKind: string
  readonly keyColumn: string | undefined
  readonly profile: string
  readonly plan: string
  readonly timeoutMs: number
  readonly maxBytes: number
}

export const resolveUrlSettings = (settings: UrlSettings): ResolvedUrlSettings => ({
  url: settings.url,
  extract: settings.extract ?? "auto",
  table: settings.table,
  link: settings.link,
  into: settings.into ?? "records",
  recordKind: settings.record_kind ?? "row",
  keyColumn: settings.key_column,
  profile: settings.profile ?? "auto",
  plan: settings.plan ?? "transform",
  timeoutMs: settings.timeout_ms ?? 10_000,
  maxBytes: settings.max_bytes ?? 5 * 1024 * 1024,
})
