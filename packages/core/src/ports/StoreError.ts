/**
 * The one failure every storage port may report besides its own refusals: the store could not
 * be reached or refused the operation (a lost connection, a full disk, a broken constraint).
 * Adapters keep their own error as `cause` for the logs; `message` says what failed.
 */
import { Schema } from "effect"

export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Unknown),
}) {}
