/**
 * `batchops create-admin` through the built command (run `npm run build` first), on a fresh
 * Postgres database and on PGlite: the admin it makes signs in to the server of the same
 * environment. Prompts are tested in-process with a scripted terminal.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hasStackTrace, startBatchops } from "../../../../test/helpers.js"
import { createDatabase, dropDatabase } from "../../../../test/support/postgres.js"
import { startServer } from "../../src/api/Server.js"
import { runCreateAdmin } from "../../src/CreateAdmin.js"
import type { Backend } from "./harness.js"

const createAdmin = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  startBatchops(["create-admin", ...args], { env }).done

/** Signs in on a server over the same environment; the answer's status and user. */
const signIn = async (env: Record<string, string>, email: string, password: string) => {
  const server = await startServer({ env, port: 0, host: "127.0.0.1", worker: false })
  try {
    const response = await fetch(`${server.url}/api/auth/login/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    })
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the answer's fields
    return { status: response.status, json: (await response.json()) as any }
  } finally {
    await server.close()
  }
}

describe.each<Backend>(["pglite", "postgres"])("batchops create-admin on %s", (backend) => {
  const dataDir = mkdtempSync(join(tmpdir(), "batchops-admin-"))
  let database: { name: string; url: string } | undefined
  let env: Record<string, string>

  beforeAll(async () => {
    database = backend === "postgres" ? await createDatabase("admin") : undefined
    env = { BATCHOPS_DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) }
  })
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true })
    if (database) await dropDatabase(database.name)
  })

  it("migrates, creates an active verified admin who can sign in, and refuses the email a second time", async () => {
    const made = await createAdmin(["--email", "Head@School.test", "--password", "a long admin passphrase"], env)
    expect(made.stderr).toBe("")
    expect(made.code).toBe(0)
    expect(made.stdout).toContain("created the admin head (head@school.test)")

    const signedIn = await signIn(env, "head@school.test", "a long admin passphrase")
    expect(signedIn.status).toBe(200)
    expect(signedIn.json.user).toMatchObject({ role: "admin", email_verified: true, is_active: true, username: "head" })

    const again = await createAdmin(
      ["--email", "head@school.test", "--password", "another passphrase", "--username", "other"],
      env,
    )
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("an account with the email head@school.test already exists")
    expect(hasStackTrace(again.stderr)).toBe(false)
  })

  it("takes --username, and refuses weak passwords and missing flags without a terminal (exit 2)", async () => {
    const named = await createAdmin(
      ["--email", "deputy@school.test", "--password", "deputy passphrase", "--username", "deputy-head"],
      env,
    )
    expect(named.code).toBe(0)
    expect(named.stdout).toContain("deputy-head")

    const weak = await createAdmin(["--email", "weak@school.test", "--password", "1234567890"], env)
    expect(weak.code).toBe(2)
    expect(weak.stderr).toContain("the password must not be only digits")

    const missing = await createAdmin(["--email", "someone@school.test"], env)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("create-admin needs --password")
    expect(missing.stderr).toContain("Usage:")

    const badEmail = await createAdmin(["--email", "nobody", "--password", "a long passphrase"], env)
    expect(badEmail.code).toBe(2)
    expect(hasStackTrace(badEmail.stderr + missing.stderr + weak.stderr)).toBe(false)
  })
})

describe("batchops create-admin on a terminal", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "batchops-admin-tty-"))
  const saved = process.env.BATCHOPS_DATA_DIR
  beforeAll(() => {
    process.env.BATCHOPS_DATA_DIR = dataDir
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.BATCHOPS_DATA_DIR
    else process.env.BATCHOPS_DATA_DIR = saved
    rmSync(dataDir, { recursive: true, force: true })
  })

  it("asks for the missing email and password (the password twice, hidden)", async () => {
    const asked: Array<[string, boolean]> = []
    const answers = ["prompted@school.test", "prompted passphrase", "prompted passphrase"]
    const out: Array<string> = []
    const code = await runCreateAdmin(
      [],
      { out: (text) => out.push(text), err: (text) => out.push(text) },
      {
        interactive: true,
        ask: async (question, hidden) => {
          asked.push([question, hidden])
          return answers.shift()!
        },
      },
    )
    expect(code).toBe(0)
    expect(asked).toEqual([
      ["Email: ", false],
      ["Password: ", true],
      ["Password again: ", true],
    ])
    expect(out.join("")).toContain("created the admin prompted (prompted@school.test)")
  })

  it("refuses passwords that do not match", async () => {
    const answers = ["mismatch passphrase", "something else entirely"]
    await expect(
      runCreateAdmin(
        ["--email", "mismatch@school.test"],
        { out: () => {}, err: () => {} },
        {
          interactive: true,
          ask: async () => answers.shift()!,
        },
      ),
    ).rejects.toThrow("the passwords do not match")
  })
})
