/**
 * Student data stays out of the logs. `batchops serve` runs as a person runs it (on Postgres,
 * so `create-admin` can run beside it); a gradebook with distinctive names and ids is
 * uploaded and processed, one that fails is too, a password is reset by code, and then
 * nothing the server printed holds a name, a student id, a score, the token, the password or
 * the code: its logs carry ids and counts only.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, describe, expect, it } from "vitest"
import { startBatchops, tempDir } from "./helpers.js"
import { createDatabase, dropDatabase } from "./support/postgres.js"

const cleanup: Array<() => unknown> = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
})

const waitFor = async <A>(what: string, check: () => Promise<A | undefined> | A | undefined, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

const SECRETS = {
  names: ["Zebulon Quintavius", "Ottoline Marchbanks"],
  ids: ["ZQ-77123", "OM-88456"],
  score: "93.25",
}

describe("the server's logs", () => {
  it("carry no student data, tokens, passwords or codes", async () => {
    const database = await createDatabase("privacy")
    cleanup.push(() => dropDatabase(database.name))
    const data = join(await tempDir("batchops-privacy-"), "data")
    cleanup.push(() => rmSync(data, { recursive: true, force: true }))
    const env = { DATABASE_URL: database.url, BATCHOPS_DATA_DIR: data, PORT: "0" }
    const server = startBatchops(["serve"], { env })
    cleanup.push(() => {
      server.child.kill("SIGKILL")
    })
    let printed = ""
    server.child.stdout!.on("data", (d) => (printed += d))
    server.child.stderr!.on("data", (d) => (printed += d))
    const url = await waitFor("the server", () => /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1])

    const password = "correct horse battery 7"
    const made = await startBatchops(["create-admin", "--email", "head@school.test", "--password", password], { env })
      .done
    expect(made.code, made.stderr).toBe(0)
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "head@school.test", password }),
    })
    const { token } = (await login.json()) as { token: string }
    const auth = { Authorization: `Token ${token}` }

    const upload = async (name: string, text: string) => {
      const form = new FormData()
      form.set("file", new Blob([text], { type: "text/csv" }), name)
      const reply = await fetch(`${url}/api/uploads/`, { method: "POST", headers: auth, body: form })
      expect(reply.status).toBe(201)
      return ((await reply.json()) as { id: string }).id
    }
    const good = await upload(
      "term.csv",
      `Student ID,Name,Score\n${SECRETS.ids[0]},${SECRETS.names[0]},${SECRETS.score}\n${SECRETS.ids[1]},${SECRETS.names[1]},71\n`,
    )
    // no student id column: validation fails, an incident opens, its mail is logged
    const bad = await upload("broken.csv", `Name,Score\n${SECRETS.names[0]},${SECRETS.score}\n`)
    for (const id of [good, bad]) {
      await waitFor("the worker to finish the upload", async () => {
        const reply = await fetch(`${url}/api/uploads/${id}/`, { headers: auth })
        const { status } = (await reply.json()) as { status: string }
        return status === "published" || status === "failed" ? status : undefined
      })
    }
    // a password reset by code: the code goes to the mail folder, never to the log
    expect(
      (
        await fetch(`${url}/api/auth/forgot`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ email: "head@school.test" }),
        })
      ).status,
    ).toBe(202)
    const code = await waitFor("the reset mail", () => {
      const folder = join(data, "mail")
      const files = (() => {
        try {
          return readdirSync(folder).filter((name) => !name.startsWith("."))
        } catch {
          return []
        }
      })()
      const text = files.map((file) => readFileSync(join(folder, file), "utf8")).join("\n")
      return /\b(\d{6})\b/.exec(text)?.[1]
    })

    await waitFor("the incident mail", () => (printed.includes("Incident opened") ? true : undefined))
    server.child.kill("SIGTERM")
    await server.done
    // the server did log its work (the mails it could not send), just not what it worked on
    expect(printed).toContain("Incident opened")
    expect(printed).toContain("password reset code")
    for (const secret of [...SECRETS.names, ...SECRETS.ids, SECRETS.score, token, password, code]) {
      expect(printed, `the log holds ${secret}`).not.toContain(secret)
    }
  }, 180_000)
})
