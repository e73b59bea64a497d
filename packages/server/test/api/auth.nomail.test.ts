/**
 * A site without SMTP: the verification code is written to the mail folder of the data
 * folder, where the person running the server can read it, and never to the log.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { startApi, type TestApi } from "./harness.js"

describe("verification without SMTP", () => {
  let api: TestApi
  const logged: Array<string> = []

  beforeAll(async () => {
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
        logged.push(args.map(String).join(" "))
      })
    }
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
      logged.push(String(chunk))
      return true
    })
    api = await startApi("pglite")
  }, 60_000)
  afterAll(async () => {
    await api?.close()
    vi.restoreAllMocks()
  })

  const mailFiles = () => {
    try {
      return readdirSync(join(api.dataDir, "mail"))
        .filter((name) => !name.startsWith("."))
        .map((name) => readFileSync(join(api.dataDir, "mail", name), "utf8"))
    } catch {
      return []
    }
  }

  it("writes the code to the data folder's mail, never to the log", async () => {
    const { token } = await api.account("admin")
    const email = "nosmtp@school.test"
    const made = await api.call("/api/users/", {
      method: "POST",
      token,
      json: { email, role: "user", password: "a long passphrase" },
    })
    expect(made.status).toBe(201)
    expect((await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })).status).toBe(202)
    const until = Date.now() + 10_000
    while (mailFiles().length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25))
    const mail = mailFiles()[0]!
    const code = /\b(\d{6})\b/.exec(mail)![1]!
    expect(mail).toContain(`To: ${email}`)
    const confirmed = await api.call("/api/auth/verify/confirm/", { method: "POST", json: { email, code } })
    expect(confirmed.status).toBe(200)
    expect(logged.join("\n")).toContain("Your BatchOps verification code")
    expect(logged.join("\n")).not.toContain(code)
  })
})
