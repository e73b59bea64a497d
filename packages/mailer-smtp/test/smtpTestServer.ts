/**
 * A real SMTP server for the mail tests (smtp-server on 127.0.0.1, a free port), plain text
 * (STARTTLS disabled), no sign-in required. It keeps every message it accepted, raw and split
 * into headers and body, so a test reads what a mail client would.
 */
import type { AddressInfo } from "node:net"
import { createServer } from "node:net"
import { SMTPServer } from "smtp-server"

export interface ReceivedMail {
  /** the envelope's recipients (RCPT TO) */
  readonly rcptTo: ReadonlyArray<string>
  readonly mailFrom: string | null
  readonly raw: string
  /** header name (lower case) -> value, folded lines joined */
  readonly headers: ReadonlyMap<string, string>
  /** the text, decoded from its transfer encoding (quoted-printable or base64) */
  readonly body: string
}

export interface TestSmtpServer {
  readonly port: number
  readonly received: Array<ReceivedMail>
  readonly close: () => Promise<void>
}

export interface TestSmtpOptions {
  /** refuse every recipient with this message (a 550 reply) */
  readonly rejectRecipients?: string | undefined
}

/** Quoted-printable (RFC 2045) to text: soft line breaks removed, `=XX` bytes decoded as UTF-8. */
const decodeQuotedPrintable = (text: string): string => {
  const bytes: Array<number> = []
  const joined = text.replace(/=\n/g, "")
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === "=" ? joined.slice(i + 1, i + 3) : ""
    if (/^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(...Buffer.from(joined[i]!, "utf8"))
    }
  }
  return Buffer.from(bytes).toString("utf8")
}

const decodeBody = (encoding: string | undefined, body: string): string => {
  switch (encoding?.toLowerCase()) {
    case "quoted-printable":
      return decodeQuotedPrintable(body)
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
    default:
      return body
  }
}

const parse = (raw: string): Pick<ReceivedMail, "headers" | "body"> => {
  const text = raw.replace(/\r\n/g, "\n")
  const split = text.indexOf("\n\n")
  const head = split === -1 ? text : text.slice(0, split)
  const body = split === -1 ? "" : text.slice(split + 2)
  const headers = new Map<string, string>()
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":")
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim())
  }
  return { headers, body: decodeBody(headers.get("content-transfer-encoding"), body) }
}

export const startSmtpServer = (options: TestSmtpOptions = {}): Promise<TestSmtpServer> => {
  const received: Array<ReceivedMail> = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (options.rejectRecipients === undefined) return callback()
      const error = Object.assign(new Error(options.rejectRecipients), { responseCode: 550 })
      callback(error)
    },
    onData(stream, session, callback) {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8")
        const from = session.envelope.mailFrom
        received.push({
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          mailFrom: from === false ? null : from.address,
          raw,
          ...parse(raw),
        })
        callback()
      })
    },
  })
  return new Promise((resolve, reject) => {
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.server.address() as AddressInfo
      resolve({ port, received, close: () => new Promise<void>((done) => server.close(() => done())) })
    })
  })
}

/** A port on 127.0.0.1 nothing listens on (it was free a moment ago): an SMTP server that is down. */
export const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.on("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
