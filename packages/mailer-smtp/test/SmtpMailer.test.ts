import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { MailError, Mailer } from "@batchops/core"
import { Effect, Exit, type Layer, Logger, Option, Redacted } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import {
  DEFAULT_FROM_EMAIL,
  fileMailerLayer,
  loggingMailerLayer,
  type MailConfig,
  MailConfigError,
  mailConfigFromEnv,
  mailerLayerFromEnv,
  smtpMailerLayer,
} from "../src/index.js"
import { closedPort, startSmtpServer, type TestSmtpServer } from "./smtpTestServer.js"

const config = (env: Record<string, string | undefined>) => Effect.runPromise(mailConfigFromEnv(env))
const configError = (env: Record<string, string | undefined>) => Effect.runPromise(Effect.flip(mailConfigFromEnv(env)))

type Message = Parameters<Mailer["Service"]["send"]>[0]

const send = (layer: Layer.Layer<Mailer, unknown>, message: Message) =>
  Effect.runPromiseExit(
    Effect.provide(
      Mailer.use((mailer) => mailer.send(message)),
      layer,
    ),
  )

/** The error a send fails with (the test fails when it succeeds). */
const sendError = (layer: Layer.Layer<Mailer>, message: Message) =>
  Effect.runPromise(
    Effect.flip(
      Effect.provide(
        Mailer.use((mailer) => mailer.send(message)),
        layer,
      ),
    ),
  )

/** Runs `effect` with a logger that keeps each line's level and text. */
const captureLogs = async <A, E>(effect: Effect.Effect<A, E>) => {
  const lines: Array<{ level: string; text: string }> = []
  const logger = Logger.make(({ logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    lines.push({ level: logLevel, text: parts.map(String).join(" ") })
  })
  const exit = await Effect.runPromiseExit(Effect.provide(effect, Logger.layer([logger])))
  return { exit, lines }
}

const plain = (port: number): MailConfig => ({
  host: "127.0.0.1",
  port,
  implicitTls: false,
  requireStartTls: false,
  user: undefined,
  password: undefined,
  from: "batchops@school.example",
})

describe("mailConfigFromEnv", () => {
  it("is None without EMAIL_HOST (blank counts as unset)", async () => {
    expect(Option.isNone(await config({}))).toBe(true)
    expect(Option.isNone(await config({ EMAIL_HOST: "  ", EMAIL_PORT: "oops" }))).toBe(true)
  })

  it("defaults the port to 587, opportunistic STARTTLS, no sign-in, the default sender", async () => {
    const found = Option.getOrThrow(await config({ EMAIL_HOST: "smtp.school.example" }))
    expect(found).toEqual({
      host: "smtp.school.example",
      port: 587,
      implicitTls: false,
      requireStartTls: false,
      user: undefined,
      password: undefined,
      from: DEFAULT_FROM_EMAIL,
    })
    expect(DEFAULT_FROM_EMAIL).toBe("batchops@localhost")
  })

  it.each(["1", "true", "TRUE", "yes", " Yes "])("EMAIL_USE_TLS=%j requires STARTTLS", async (value) => {
    const found = Option.getOrThrow(await config({ EMAIL_HOST: "smtp", EMAIL_USE_TLS: value }))
    expect(found.requireStartTls).toBe(true)
    expect(found.implicitTls).toBe(false)
  })

  it.each(["0", "false", "no", ""])("EMAIL_USE_TLS=%j does not require it", async (value) => {
    const found = Option.getOrThrow(await config({ EMAIL_HOST: "smtp", EMAIL_USE_TLS: value }))
    expect(found.requireStartTls).toBe(false)
  })

  it("port 465 is implicit TLS (STARTTLS does not apply)", async () => {
    const found = Option.getOrThrow(await config({ EMAIL_HOST: "smtp", EMAIL_PORT: "465", EMAIL_USE_TLS: "true" }))
    expect(found).toMatchObject({ port: 465, implicitTls: true, requireStartTls: false })
  })

  it("keeps the password redacted and signs in only with a user", async () => {
    const found = Option.getOrThrow(
      await config({
        EMAIL_HOST: "smtp",
        EMAIL_HOST_USER: "mailer",
        EMAIL_HOST_PASSWORD: "s3cret",
        DEFAULT_FROM_EMAIL: "ops@school.example",
      }),
    )
    expect(found.user).toBe("mailer")
    expect(Redacted.isRedacted(found.password)).toBe(true)
    expect(Redacted.value(found.password!)).toBe("s3cret")
    expect(String(found.password)).not.toContain("s3cret")
    expect(found.from).toBe("ops@school.example")
    const anonymous = Option.getOrThrow(await config({ EMAIL_HOST: "smtp", EMAIL_HOST_PASSWORD: "s3cret" }))
    expect(anonymous.password).toBeUndefined()
  })

  it.each(["abc", "0", "70000", "25.5", "-1"])("refuses EMAIL_PORT=%j, naming the variable", async (value) => {
    const error = await configError({ EMAIL_HOST: "smtp", EMAIL_PORT: value })
    expect(error).toBeInstanceOf(MailConfigError)
    expect(error.variable).toBe("EMAIL_PORT")
    expect(error.message).toBe(`EMAIL_PORT must be a port number (1 to 65535), got ${JSON.stringify(value)}`)
  })

  it("refuses an EMAIL_USE_TLS that is not a yes or a no", async () => {
    const error = await configError({ EMAIL_HOST: "smtp", EMAIL_USE_TLS: "maybe" })
    expect(error.variable).toBe("EMAIL_USE_TLS")
    expect(error.message).toMatch(/^EMAIL_USE_TLS must be one of 1, true, yes, on, 0, false, no, off, got "maybe"$/)
  })

  it("mailerLayerFromEnv fails with the config error when a value is bad", async () => {
    const exit = await send(mailerLayerFromEnv({ EMAIL_HOST: "smtp", EMAIL_PORT: "smtp" }), {
      to: ["a@school.example"],
      subject: "s",
      text: "t",
    })
    expect(exit).toEqual(Exit.fail(expect.any(MailConfigError)))
  })
})

describe("loggingMailerLayer", () => {
  it("logs one info line per mail saying mail is not configured, what and to whom", async () => {
    const { exit, lines } = await captureLogs(
      Effect.provide(
        Effect.gen(function* () {
          const mailer = yield* Mailer
          yield* mailer.send({ to: ["ada@school.example", "bob@school.example"], subject: "Hello", text: "one\ntwo" })
        }),
        mailerLayerFromEnv({}),
      ),
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(lines).toEqual([
      {
        level: "Info",
        text: 'mail is not configured (EMAIL_HOST is unset): would have sent "Hello" to ada@school.example, bob@school.example',
      },
    ])
  })

  it("refuses a mail without recipients", async () => {
    const exit = await send(loggingMailerLayer, { to: [], subject: "Hello", text: "x" })
    expect(exit).toEqual(Exit.fail(expect.any(MailError)))
  })
})

describe("fileMailerLayer (no SMTP server: mails become files)", () => {
  it("writes each mail to a file only its owner reads, and logs where without the text", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "batchops-mail-")), "mail")
    try {
      const { exit, lines } = await captureLogs(
        Effect.provide(
          Effect.gen(function* () {
            const mailer = yield* Mailer
            yield* mailer.send({ to: ["ada@school.example"], subject: "Your code", text: "code 123456\n" })
          }),
          mailerLayerFromEnv({}, dir),
        ),
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const files = readdirSync(dir)
      expect(files).toHaveLength(1)
      const file = join(dir, files[0]!)
      expect(readFileSync(file, "utf8")).toBe("To: ada@school.example\nSubject: Your code\n\ncode 123456\n")
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(lines).toHaveLength(1)
      expect(lines[0]!.text).toContain(`written to ${file}`)
      expect(lines[0]!.text).not.toContain("123456")
      expect(await send(fileMailerLayer(dir), { to: [], subject: "x", text: "x" })).toEqual(
        Exit.fail(expect.any(MailError)),
      )
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true })
    }
  })
})

describe("smtpMailerLayer against a real SMTP server", () => {
  let server: TestSmtpServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it("delivers one message to every recipient with the subject and the text", async () => {
    server = await startSmtpServer()
    const exit = await send(smtpMailerLayer(plain(server.port)), {
      to: ["ada@school.example", "bob@school.example"],
      subject: "[BatchOps] Incident opened: validate_results failed",
      text: "Stage: validate_results\nIncident id: inc-1\n",
    })
    expect(exit).toEqual(Exit.succeed(undefined))
    expect(server.received).toHaveLength(1)
    const mail = server.received[0]!
    expect(mail.rcptTo).toEqual(["ada@school.example", "bob@school.example"])
    expect(mail.mailFrom).toBe("batchops@school.example")
    expect(mail.headers.get("to")).toBe("ada@school.example, bob@school.example")
    expect(mail.headers.get("from")).toBe("batchops@school.example")
    expect(mail.headers.get("subject")).toBe("[BatchOps] Incident opened: validate_results failed")
    expect(mail.body.replace(/\r\n/g, "\n").trim()).toBe("Stage: validate_results\nIncident id: inc-1")
  })

  it("a server refusing the recipients is a MailError saying what the server said", async () => {
    server = await startSmtpServer({ rejectRecipients: "mailbox unavailable" })
    const error = await sendError(smtpMailerLayer(plain(server.port)), {
      to: ["ada@school.example"],
      subject: "Hello",
      text: "x",
    })
    expect(error).toBeInstanceOf(MailError)
    expect(error.message).toContain(`cannot send "Hello" through 127.0.0.1:${server.port}`)
    expect(error.message).toContain("550 mailbox unavailable")
    expect(error.message).not.toMatch(/\n\s+at /)
    expect(server.received).toHaveLength(0)
  })

  it("a server that is down is a MailError naming the server", async () => {
    const port = await closedPort()
    const error = await sendError(smtpMailerLayer(plain(port)), {
      to: ["ada@school.example"],
      subject: "Hi",
      text: "x",
    })
    expect(error).toBeInstanceOf(MailError)
    expect(error.message).toMatch(new RegExp(`^cannot send "Hi" through 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`))
    expect(error.message).not.toMatch(/\n\s+at /)
  })

  it("requires STARTTLS when EMAIL_USE_TLS says so, and the server does not offer it", async () => {
    server = await startSmtpServer()
    const error = await sendError(smtpMailerLayer({ ...plain(server.port), requireStartTls: true }), {
      to: ["ada@school.example"],
      subject: "Hi",
      text: "x",
    })
    expect(error).toBeInstanceOf(MailError)
    expect(error.message).toMatch(/STARTTLS/i)
    expect(server.received).toHaveLength(0)
  })
})
