/**
 * The settings of a `url` department source: the page to fetch and what to take from it.
 */
import { Schema } from "effect"

const HttpUrl = Schema.String.check(
  Schema.makeFilter((text: string) => {
    if (!URL.canParse(text)) return "must be an absolute http(s) URL"
    const protocol = new URL(text).protocol
    return protocol === "http:" || protocol === "https:" ? undefined : "must be an http or https URL"
  }),
)

export const UrlSettings = Schema.Struct({
  url: HttpUrl.annotate({ description: "the page (or CSV file) to fetch" }),
})

export type UrlSettings = typeof UrlSettings.Type
