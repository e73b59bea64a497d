/** Tagged failures of BatchOps. Each says where it came from in words an operator can act on. */
import { Schema } from "effect"

/** A file could not be read as a table (bad bytes, no table, encrypted, truncated...). */
export class ParseError extends Schema.TaggedError<ParseError>()("ParseError", {
  message: Schema.String,
  /** the parser that gave up, e.g. "csv", "xlsx", "pdf" */
  parser: Schema.optional(Schema.String),
}) {}

/** A pipeline stage failed. `stage` and `plugin` name where; `message` says what was wrong. */
export class StageError extends Schema.TaggedError<StageError>()("StageError", {
  stage: Schema.String,
  message: Schema.String,
  plugin: Schema.optional(Schema.String),
}) {}

/** A plugin (or a combination of plugins) is invalid: duplicate names, unknown anchors... */
export class PluginError extends Schema.TaggedError<PluginError>()("PluginError", {
  plugin: Schema.String,
  message: Schema.String,
}) {}

/** A request to run the pipeline is invalid before anything runs (unknown plan or profile). */
export class RequestError extends Schema.TaggedError<RequestError>()("RequestError", {
  message: Schema.String,
}) {}

/** Reports could not be written or stored. */
export class PublishError extends Schema.TaggedError<PublishError>()("PublishError", {
  message: Schema.String,
}) {}
