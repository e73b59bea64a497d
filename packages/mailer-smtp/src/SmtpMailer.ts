/**
 * Outgoing mail. `Mailer` sends one plain-text message to a list of addresses; which mailer
 * runs is the environment's choice (`mailerLayerFromEnv`), with the variables the seed uses:
 *
 * - `EMAIL_HOST`: the SMTP server. Unset: nothing is sent, each message is logged instead
 *   (`loggingMailerLayer`), so a site without mail still sees what it would have been told.
 * - `EMAIL_PORT`: default 587. Port 465 is implicit TLS (TLS from the first byte).
 * - `EMAIL_HOST_USER`, `EMAIL_HOST_PASSWORD`: sign in when a user is set.
 * - `EMAIL_USE_TLS`: 1/true/yes requires STARTTLS (the mail is not sent over a server that does
 *   not offer it); otherwise STARTTLS is still used when the server offers it.
 * - `DEFAULT_FROM_EMAIL`: the sender, default `batchops@localhost`.
 *
 * A failed delivery is a `MailError` whose message says what the server or the network said,
 * never a stack trace and never the password: it ends up in the work queue's `last_error` and in
 * logs. A message some recipients refused but others accepted counts as sent (sending it again
 * would repeat it to those who got it); the refused addresses are logged.
 */

import { mkdir, rename, writeFile } from "node:fs/promises"
import { basename, join } from "node:path"
import { MailError, Mailer, type MailMessage, settingsProvider } from "@batchops/core"
import { Clock, Config, Effect, Layer, Option, Redacted, Schema } from "effect"
import nodemailer from "nodemailer"

/** A mail variable of the environment has a value that cannot be used; `message` names it. */
export class MailConfigError extends Schema.TaggedError<MailConfigError>()("MailConfigError", {
  variable: Schema.String,
  message: Schema.String,
}) {}

/** How to reach the SMTP server. */
export interface MailConfig {
  readonly host: string
  readonly port: number
  /** TLS from the first byte (port 465) */
  readonly implicitTls: boolean
  /** refuse to send unless the server upgrades the connection with STARTTLS */
  readonly requireStartTls: boolean
  readonly user: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  readonly from: string
}

export const DEFAULT_MAIL_PORT = 587
export const DEFAULT_FROM_EMAIL = "batchops@localhost"

/** How long to wait for the server before a delivery counts as failed (it is retried later). */
const CONNECTION_TIMEOUT_MS = 10_000
const SOCKET_TIMEOUT_MS = 30_000

const TRUE = ["1", "true", "yes", "on"] as const
const FALSE = ["0", "false", "no", "off"] as const

/** The settings this package reads, in one place, as Effect `Config` (blank counts as unset). */
export const MailSettings = {
  /** unset: mail is not configured */
  host: Config.option(Config.String("EMAIL_HOST")),
  port: Config.withDefault(Config.Port("EMAIL_PORT"), DEFAULT_MAIL_PORT),
  useTls: Config.option(Config.Literals([...TRUE, ...FALSE], "EMAIL_USE_TLS")),
  user: Config.option(Config.String("EMAIL_HOST_USER")),
  password: Config.option(Config.Redacted("EMAIL_HOST_PASSWORD")),
  from: Config.withDefault(Config.String("DEFAULT_FROM_EMAIL"), DEFAULT_FROM_EMAIL),
}

/**
 * The SMTP configuration the environment describes (e.g. `process.env`); `None` when
 * `EMAIL_HOST` is unset (mail is not configured).
 */
export const mailConfigFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
): Effect.Effect<Option.Option<MailConfig>, MailConfigError> =>
  Effect.gen(function* () {
    // EMAIL_USE_TLS is read in any case ("True", "YES")
    const tls = env.EMAIL_USE_TLS?.toLowerCase()
    const provider = settingsProvider({ ...env, EMAIL_USE_TLS: tls }, ["EMAIL_HOST_PASSWORD"])
    const read = <A>(config: Config.Config<A>, variable: string, message: string) =>
      Effect.mapError(config.parse(provider), () => new MailConfigError({ variable, message }))
    const host = yield* read(MailSettings.host, "EMAIL_HOST", "EMAIL_HOST cannot be read")
    if (Option.isNone(host)) return Option.none<MailConfig>()
    const port = yield* read(
      MailSettings.port,
      "EMAIL_PORT",
      `EMAIL_PORT must be a port number (1 to 65535), got ${JSON.stringify(env.EMAIL_PORT)}`,
    )
    const useTls = yield* read(
      MailSettings.useTls,
      "EMAIL_USE_TLS",
      `EMAIL_USE_TLS must be one of ${[...TRUE, ...FALSE].join(", ")}, got ${JSON.stringify(env.EMAIL_USE_TLS)}`,
    )
    const user = yield* read(MailSettings.user, "EMAIL_HOST_USER", "EMAIL_HOST_USER cannot be read")
    const password = yield* read(MailSettings.password, "EMAIL_HOST_PASSWORD", "EMAIL_HOST_PASSWORD cannot be read")
    const from = yield* read(MailSettings.from, "DEFAULT_FROM_EMAIL", "DEFAULT_FROM_EMAIL cannot be read")
    const implicitTls = port === 465
    return Option.some<MailConfig>({
      host: host.value,
      port,
      implicitTls,
      requireStartTls: !implicitTls && Option.isSome(useTls) && (TRUE as ReadonlyArray<string>).includes(useTls.value),
      user: Option.getOrUndefined(user),
      password: Option.isNone(user) ? undefined : Option.getOrUndefined(password),
      from,
    })
  })

/** What nodemailer (or the network) said, without the stack: `code`, the message, the server's reply. */
const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const smtp = error as Error & { code?: unknown; response?: unknown }
  const code = typeof smtp.code === "string" ? `${smtp.code}: ` : ""
  const response =
    typeof smtp.response === "string" && !error.message.includes(smtp.response)
      ? ` (server said: ${smtp.response})`
      : ""
  return `${code}${error.message}${response}`
}

/** The line the logging mailer writes for a message it does not send. */
export const unsentMailLine = (message: MailMessage): string =>
  `mail is not configured (EMAIL_HOST is unset): would have sent ${JSON.stringify(message.subject)} ` +
  `to ${message.to.join(", ")}`

const noRecipients = (message: MailMessage) =>
  new MailError({ message: `cannot send ${JSON.stringify(message.subject)}: the message has no recipients` })

/**
 * A `Mailer` sending through the SMTP server of `config`, with one nodemailer transport for
 * the layer's life (closed with the layer's scope). Each message opens its own connection: the
 * worker sends a few messages a day, and an idle pooled connection would only be dropped by
 * the server.
 */
export const smtpMailerLayer = (config: MailConfig): Layer.Layer<Mailer> =>
  Layer.effect(
    Mailer,
    Effect.gen(function* () {
      const transport = yield* Effect.acquireRelease(
        Effect.sync(() =>
          nodemailer.createTransport({
            host: config.host,
            port: config.port,
            secure: config.implicitTls,
            requireTLS: config.requireStartTls,
            connectionTimeout: CONNECTION_TIMEOUT_MS,
            greetingTimeout: CONNECTION_TIMEOUT_MS,
            socketTimeout: SOCKET_TIMEOUT_MS,
            ...(config.user === undefined
              ? {}
              : {
                  auth: {
                    user: config.user,
                    pass: config.password === undefined ? "" : Redacted.value(config.password),
                  },
                }),
          }),
        ),
        (transport) => Effect.sync(() => transport.close()),
      )
      const server = `${config.host}:${config.port}`
      const send = (message: MailMessage) =>
        Effect.gen(function* () {
          if (message.to.length === 0) return yield* noRecipients(message)
          const info = yield* Effect.tryPromise({
            try: () =>
              transport.sendMail({
                from: config.from,
                to: [...message.to],
                subject: message.subject,
                text: message.text,
              }),
            catch: (error) =>
              new MailError({
                message: `cannot send ${JSON.stringify(message.subject)} through ${server}: ${describe(error)}`,
              }),
          })
          const rejected = (info.rejected ?? []).map(String)
          if (rejected.length > 0) {
            yield* Effect.logWarning(
              `mail ${JSON.stringify(message.subject)}: ${server} refused ${rejected.join(", ")}; sent to the others`,
            )
          }
        }).pipe(Effect.withSpan("Mailer.send"))
      return Mailer.of({ send })
    }),
  )

/** A `Mailer` for a site without mail: logs one info line per message (what, to whom), sends nothing. */
export const loggingMailerLayer: Layer.Layer<Mailer> = Layer.succeed(
  Mailer,
  Mailer.of({
    send: (message) =>
      message.to.length === 0 ? Effect.fail(noRecipients(message)) : Effect.logInfo(unsentMailLine(message)),
  }),
)

/**
 * A `Mailer` for a site without SMTP: each message is written as a plain-text file to `dir`
 * (`<time>-<n>.txt`, readable by whoever runs the server, so a verification code can still be
 * read there), and one log line says where, with the subject and recipients only: what a mail
 * says (codes, names) never reaches the log.
 */
export const fileMailerLayer = (dir: string): Layer.Layer<Mailer> => {
  let count = 0
  return Layer.succeed(
    Mailer,
    Mailer.of({
      send: (message) =>
        message.to.length === 0
          ? Effect.fail(noRecipients(message))
          : Effect.gen(function* () {
              const now = new Date(yield* Clock.currentTimeMillis)
              const file = join(dir, `${now.toISOString().replace(/[:.]/g, "-")}-${++count}.txt`)
              yield* Effect.tryPromise({
                try: async () => {
                  await mkdir(dir, { recursive: true, mode: 0o700 })
                  // written under a hidden name, then renamed: a reader never sees half a mail
                  const partial = join(dir, `.${basename(file)}.partial`)
                  await writeFile(
                    partial,
                    `To: ${message.to.join(", ")}\nSubject: ${message.subject}\n\n${message.text}`,
                    { mode: 0o600 },
                  )
                  await rename(partial, file)
                },
                catch: (cause) =>
                  new MailError({ message: `cannot write the mail to ${file}: ${(cause as Error).message}` }),
              })
              yield* Effect.logInfo(`${unsentMailLine(message)}; written to ${file}`)
            }),
    }),
  )
}

/**
 * The SMTP mailer when `EMAIL_HOST` is set; otherwise mails are written as files under
 * `mailDir` when given (the server: `<data dir>/mail`), or only logged.
 */
export const mailerLayerFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  mailDir?: string,
): Layer.Layer<Mailer, MailConfigError> =>
  Layer.unwrap(
    Effect.map(mailConfigFromEnv(env), (config) =>
      Option.match(config, {
        onNone: () => (mailDir === undefined ? loggingMailerLayer : fileMailerLayer(mailDir)),
        onSome: smtpMailerLayer,
      }),
    ),
  )
