/**
 * The roles as separate processes over one Postgres: `batchops serve` with BATCHOPS_ROLE=api
 * runs no worker and no scheduler; `batchops worker --concurrency 3` runs three upload claim
 * loops, each with its own id, which the admin's health report lists; `--once --concurrency 2`
 * works off the queue. Bad concurrency values and roles are usage errors (exit 2).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { hasStackTrace, type RunningCommand, root, startBatchops } from "../../../test/helpers.js"
import { freshDatabase } from "../../../test/support/postgres.js"
import { serveRoles } from "../src/cli/Serve.js"

const gradebook = join(root, "examples", "data", "gradebook.csv")

interface Loop {
  readonly id: string
  readonly host: string
  readonly pid: number
  readonly last_beat: string
  readonly age_ms: number
}
interface Health {
  readonly worker: { readonly ok: boolean; readonly live: ReadonlyArray<Loop> }
  readonly scheduler: { readonly last_beat: string | null; readonly ok: boolean; readonly live: ReadonlyArray<Loop> }
}

/** Polls `check` until it returns a value (generous: the machine may be loaded). */
const eventually = async <A>(check: () => Promise<A | undefined>, what: string, ms = 90_000): Promise<A> => {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const stop = async (running: RunningCommand) => {
  if (running.child.exitCode === null) running.child.kill("SIGTERM")
  return running.done
}

describe("serve's roles", () => {
  it("runs everything by default; BATCHOPS_ROLE=api runs the API alone; the flags win", () => {
    expect(serveRoles([], {})).toEqual({ worker: true, scheduler: true })
    expect(serveRoles([], { BATCHOPS_ROLE: "all" })).toEqual({ worker: true, scheduler: true })
    expect(serveRoles([], { BATCHOPS_ROLE: " API " })).toEqual({ worker: false, scheduler: false })
    expect(serveRoles(["--no-worker"], {})).toEqual({ worker: false, scheduler: true })
    expect(serveRoles(["--no-scheduler"], {})).toEqual({ worker: true, scheduler: false })
    expect(serveRoles(["--no-worker", "--no-scheduler"], {})).toEqual({ worker: false, scheduler: false })
    expect(serveRoles(["--scheduler"], { BATCHOPS_ROLE: "api" })).toEqual({ worker: false, scheduler: true })
    expect(() => serveRoles([], { BATCHOPS_ROLE: "worker" })).toThrow(/BATCHOPS_ROLE/)
    expect(() => serveRoles(["extra"], {})).toThrow()
  })
})

describe("batchops worker --concurrency and serve's roles", () => {
  const database = freshDatabase("roles_cli")
  const dataDir = mkdtempSync(join(tmpdir(), "batchops-roles-cli-"))
  const env = { DATABASE_URL: database.url, BATCHOPS_DATA_DIR: dataDir }
  const started: Array<RunningCommand> = []
  afterAll(async () => {
    await Promise.all(started.map(stop))
    rmSync(dataDir, { recursive: true, force: true })
  })

  it("refuses a concurrency that is not a whole number from 1 to 64, from the flag or the environment", async () => {
    for (const value of ["0", "-1", "2.5", "many", "65"]) {
      const result = await startBatchops(["worker", `--concurrency=${value}`], { env }).done
      expect(result.code, value).toBe(2)
      expect(result.stderr).toContain("--concurrency must be a whole number from 1 to 64")
      expect(hasStackTrace(result.stderr)).toBe(false)
    }
    const fromEnv = await startBatchops(["worker", "--once"], { env: { ...env, BATCHOPS_WORKER_CONCURRENCY: "x" } })
      .done
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.stderr).toContain("BATCHOPS_WORKER_CONCURRENCY must be a whole number")
  })

  it("refuses an unknown role or serve flag", async () => {
    const role = await startBatchops(["serve"], { env: { ...env, BATCHOPS_ROLE: "everything" } }).done
    expect(role.code).toBe(2)
    expect(role.stderr).toContain('BATCHOPS_ROLE must be "all" or "api"')
    const flag = await startBatchops(["serve", "--no-api"], { env }).done
    expect(flag.code).toBe(2)
    expect(hasStackTrace(flag.stderr)).toBe(false)
  })

  it("works off the queue with --once --concurrency 2", async () => {
    for (let i = 0; i < 3; i++) {
      const submitted = await startBatchops(["submit", gradebook, "--json"], { env }).done
      expect(submitted.code, submitted.stderr).toBe(0)
    }
    const result = await startBatchops(["worker", "--once", "--concurrency", "2", "--json"], { env }).done
    expect(result.code, result.stderr).toBe(0)
    const outcomes = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
    expect(outcomes.filter((o) => o.status === "published")).toHaveLength(3)
  }, 180_000)

  it("runs the API without a worker or scheduler, and a worker of three loops that the admin's health report lists", async () => {
    const api = startBatchops(["serve"], { env: { ...env, BATCHOPS_ROLE: "api", PORT: "0" } })
    started.push(api)
    const apiErr = collectStderr(api)
    const url = await eventually(
      async () => /BatchOps is running at (http:\/\/\S+)/.exec(apiErr())?.[1],
      "the API to start",
    )
    expect(apiErr()).toContain("without the worker and scheduler")

    // the live loops are the admin's health report
    const password = "roles test passphrase 7319"
    const made = await startBatchops(["create-admin", "--email", "roles@school.test", "--password", password], { env })
      .done
    expect(made.code, made.stderr).toBe(0)
    const login = await fetch(`${url}/api/auth/login/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "roles@school.test", password }),
    })
    const { token } = (await login.json()) as { token: string }

    const worker = startBatchops(["worker", "--concurrency", "3"], { env })
    started.push(worker)
    const live = await eventually(async () => {
      const reply = await fetch(`${url}/api/health/`, { headers: { Authorization: `Token ${token}` } })
      const json = (await reply.json()) as Health
      return json.worker.live.length >= 3 ? json : undefined
    }, "three live worker loops in health")
    const loops = live.worker.live as Array<{
      id: string
      host: string
      pid: number
      last_beat: string
      age_ms: number
    }>
    expect(loops.map((l) => l.pid)).toEqual([worker.child.pid, worker.child.pid, worker.child.pid])
    expect(loops.map((l) => l.id.replace(/.*\//, "")).sort()).toEqual(["1", "2", "3"])
    expect(new Set(loops.map((l) => l.id.replace(/\/\d+$/, ""))).size).toBe(1)
    expect(live.worker.ok).toBe(true)
    // the API process runs neither: no beat of its own, no scheduler at all
    expect(loops.some((l) => l.pid === api.child.pid)).toBe(false)
    expect(live.scheduler).toEqual({ last_beat: null, ok: false, live: [] })

    const workerExit = await stop(worker)
    expect(workerExit.code, workerExit.stderr).toBe(0)
    const apiExit = await stop(api)
    expect(apiExit.code, apiExit.stderr).toBe(0)
  }, 180_000)
})

/** A reader of what a running command wrote to standard error so far. */
const collectStderr = (running: RunningCommand): (() => string) => {
  let text = ""
  running.child.stderr!.on("data", (d) => {
    text += d
  })
  return () => text
}
