/**
 * `batchops serve` (what `npm start` runs), as a person starts it: embedded defaults in a fresh
 * data folder, a free port. It migrates, says where it runs and how to make the first admin,
 * answers the API, keeps other processes off its embedded database, and stops cleanly on
 * SIGTERM. On a port another program holds, it says so in one line and ends, releasing the
 * database.
 */
import { existsSync, rmSync } from "node:fs"
import { type AddressInfo, createServer } from "node:net"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, describe, expect, it } from "vitest"
import { hasStackTrace, startBatchops, tempDir } from "./helpers.js"

const folders: Array<string> = []
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

const waitFor = async (what: string, check: () => boolean, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Start `batchops serve`; resolves once it says where it runs. */
const serve = async (env: Record<string, string>) => {
  const server = startBatchops(["serve"], { env })
  let stderr = ""
  server.child.stderr!.on("data", (d) => (stderr += d))
  await waitFor("the server to say where it runs", () => /API reference: http:\/\/127\.0\.0\.1:\d+/.test(stderr))
  const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!
  return { ...server, url, stderr: () => stderr }
}

describe("batchops serve", () => {
  it("starts the control room on embedded defaults, guides to the first admin, and stops on SIGTERM", async () => {
    const data = join(await tempDir("batchops-serve-"), "data")
    folders.push(data)
    const env = { BATCHOPS_DATA_DIR: data, PORT: "0" }
    const first = await serve(env)
    expect(first.stderr()).toContain(`embedded PGlite in ${join(data, "pgdata")}`)
    await waitFor("the first-admin guidance", () => first.stderr().includes("npx batchops create-admin --email"))

    const health = await fetch(`${first.url}/api/health/`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: "up" })
    expect((await fetch(`${first.url}/api/uploads/`)).status).toBe(401)

    // the embedded database is the server's while it runs: another process is refused, clearly
    const password = "a long passphrase 42"
    const refused = await startBatchops(["create-admin", "--email", "head@school.test", "--password", password], {
      env,
    }).done
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("the embedded database is in use by another BatchOps process")
    expect(hasStackTrace(refused.stderr)).toBe(false)

    first.child.kill("SIGTERM")
    const stopped = await first.done
    expect(stopped.code).toBe(0)
    expect(hasStackTrace(stopped.stderr)).toBe(false)

    // stopped, the first admin is made against the same data folder, and signs in
    const made = await startBatchops(["create-admin", "--email", "head@school.test", "--password", password], { env })
      .done
    expect(made.code, made.stderr).toBe(0)
    const second = await serve(env)
    try {
      await sleep(200)
      expect(second.stderr()).not.toContain("No admin yet")
      const login = await fetch(`${second.url}/api/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: "head@school.test", password }),
      })
      expect(login.status).toBe(200)
      const { token } = (await login.json()) as { token: string }
      const me = await fetch(`${second.url}/api/auth/me`, { headers: { Authorization: `Token ${token}` } })
      expect(me.status).toBe(200)
    } finally {
      second.child.kill("SIGTERM")
      expect((await second.done).code).toBe(0)
    }
    expect(existsSync(join(data, "pgdata", "batchops.pid"))).toBe(false)
  }, 180_000)

  it("on a port another program holds: one line, exit 1 at once, and the embedded database released", async () => {
    const data = join(await tempDir("batchops-serve-"), "data")
    folders.push(data)
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve))
    const port = (holder.address() as AddressInfo).port
    try {
      const env = { BATCHOPS_DATA_DIR: data, PORT: String(port) }
      // migrated beforehand, so the server reaches the port in a moment
      const migrated = await startBatchops(["migrate"], { env }).done
      expect(migrated.code, migrated.stderr).toBe(0)

      const server = startBatchops(["serve"], { env })
      let stderr = ""
      server.child.stderr!.on("data", (d) => (stderr += d))
      await waitFor("the server to say the port is taken", () => stderr.includes("batchops serve:"))
      const ended = await Promise.race([server.done, sleep(5000).then(() => undefined)])
      if (ended === undefined) server.child.kill("SIGKILL")
      expect(ended, "still running 5 s after its error").toBeDefined()
      expect(ended!.code).toBe(1)
      expect(ended!.stderr).toBe(
        `batchops serve: port ${port} on 127.0.0.1 is in use: stop the other process or set PORT\n`,
      )
      expect(hasStackTrace(ended!.stderr)).toBe(false)
      expect(existsSync(join(data, "pgdata", "batchops.pid"))).toBe(false)

      // another process opens the data folder now
      const again = await startBatchops(["migrate"], { env }).done
      expect(again.code, again.stderr).toBe(0)
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  }, 180_000)
})
