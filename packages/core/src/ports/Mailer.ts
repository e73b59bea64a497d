/**
 * The mailer port: send one plain-text message. Adapters: SMTP (the reference server's, on
 * nodemailer) and a mailer that only logs, for a site without mail.
 */
import { Context, type Effect, Schema } from "effect"

/** One plain-text message. */
export interface MailMessage {
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
}

/** The message was not delivered; `message` says why, readably. */
export class MailError extends Schema.TaggedError<MailError>()("MailError", {
  message: Schema.String,
}) {}

export interface MailerShape {
  readonly send: (message: MailMessage) => Effect.Effect<void, MailError>
}

export class Mailer extends Context.Service<Mailer, MailerShape>()("@batchops/core/Mailer") {}
