import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { submitUpload } from "@batchops/core"
import { uploadLifecycleLayer } from "@batchops/server"
import { pgLayerFromEnv } from "@batchops/store-sql"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { startSmtpServer } from "../packages/mailer-smtp/test/smtpTestServer.js"
import { startBatchops, tempDir } from "./helpers.js"
import { createDatabase, dropDatabase, psql } from "./support/postgres.js"

const databases: Array<string> = []
const folders: Array<string> = []

/** A temporary folder, deleted after the tests (they hold large files). */
const folder = async () => {
  const dir = await tempDir("batchops-worker-")
  folders.push(dir)
  return dir
}

/** A fresh database and data folder: the environment the commands run with. */
const freshSetup = async () => {
  const { name, url } = await createDatabase("worker")
  databases.push(name)
  const data = join(await folder(), "data")
  return { name, url, data, exports: join(data, "exports"), uploads: join(data, "uploads") }
}

afterAll(async () => {
  for (const name of databases) await dropDatabase(name)
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

/** Start `batchops <args>` with only `env` saying where the data is. */
const start = (args: ReadonlyArray<string>, env: Record<string, string>) => startBatchops(args, { env })

const run = (args: ReadonlyArray<string>, env: Record<string, string>) => start(args, env).done

/** The JSON lines a `worker --json` printed (one per processed upload). */
const outcomes = (stdout: string): Array<{ status: string; uploadId: string; workItemId: string }> =>
  stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line))

/** The files of an upload's report folder: the reports, and the hidden temporary files apart. */
const reportFiles = (dir: string) => {
  const names = existsSync(dir) ? readdirSync(dir).filter((name) => statSync(join(dir, name)).isFile()) : []
  return {
    reports: names.filter((name) => !name.startsWith(".")).sort(),
    temporary: names.filter((name) => name.startsWith(".")),
  }
}

/** Polls `check` until it returns true (or fails the test after `timeoutMs`). */
const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 20) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}

describe("batchops worker", () => {
  it("two workers at once publish each of 100 uploads exactly once", async () => {
    const setup = await freshSetup()
    const env = { DATABASE_URL: setup.url, BATCHOPS_DATA_DIR: setup.data }
    expect((await run(["migrate"], env)).code).toBe(0)

    // 100 small gradebooks, queued through the library (the same folders the command uses)
    const ids = await Effect.runPromise(
      Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) =>
          Effect.map(
            submitUpload({
              fileName: `class-${i}.csv`,
              bytes: new TextEncoder().encode(`Student ID,Name,Score\nS${i}a,Ada,${i % 100}\nS${i}b,Alan,77\n`),
              profile: "gradebook",
              processMode: "transform",
            }),
            (upload) => upload.id,
          ),
      ).pipe(
        Effect.provide(
          uploadLifecycleLayer(pgLayerFromEnv({ DATABASE_URL: setup.url }), {
            uploadsDir: setup.uploads,
            exportDir: setup.exports,
          }),
        ),
      ),
    )
    expect(new Set(ids).size).toBe(100)

    const [a, b] = await Promise.all([
      run(["worker", "--once", "--json"], env),
      run(["worker", "--once", "--json"], env),
    ])
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0])
    const lines = [...outcomes(a.stdout), ...outcomes(b.stdout)]
    expect(lines).toHaveLength(100)
    expect(lines.every((line) => line.status === "published")).toBe(true)
    expect(lines.map((line) => line.uploadId).sort()).toEqual([...ids].sort())
    // both workers took part
    expect(outcomes(a.stdout).length).toBeGreaterThan(0)
    expect(outcomes(b.stdout).length).toBeGreaterThan(0)

    expect(await psql(setup.name, "SELECT status || ':' || count(*) FROM uploads GROUP BY status")).toBe(
      "published:100",
    )
    expect(
      await psql(
        setup.name,
        `SELECT status || ':' || count(*) || ':' || max(attempts) FROM work_queue
         WHERE kind = 'process_upload' GROUP BY status`,
      ),
    ).toBe("completed:100:1")
    expect(await psql(setup.name, "SELECT count(*) FROM uploads WHERE report_csv IS NULL OR report_pdf IS NULL")).toBe(
      "0",
    )

    // one set of reports per upload, and nothing else in the export folder
    expect(readdirSync(setup.exports).sort()).toEqual([...ids].sort())
    ids.forEach((id, i) => {
      expect(reportFiles(join(setup.exports, id))).toEqual({
        reports: [`class-${i}.summary.csv`, `class-${i}.summary.pdf`],
        temporary: [],
      })
    })
  }, 180_000)

  it("a worker killed mid-pipeline: another takes the upload over after the lease and publishes it once", async () => {
    const setup = await freshSetup()
    const env = { DATABASE_URL: setup.url, BATCHOPS_DATA_DIR: setup.data }
    // a large file (a few seconds of work) with a dataset output, so the run is still going
    // after its first steps are stored
    const dir = await folder()
    const file = join(dir, "large.csv")
    const lines = ["Student ID,Name,Score"]
    for (let i = 0; i < 400_000; i++) lines.push(`S${i},Student ${i},${i % 101}`)
    writeFileSync(file, `${lines.join("\n")}\n`)
    const config = JSON.stringify({ records: [{ "Student ID": "LATE1", Name: "Late Student", Score: "64" }] })

    const submitted = await run(["submit", file, "--plan", "append", "--config", config, "--json"], env)
    expect(submitted.code, submitted.stderr).toBe(0)
    const { uploadId, status } = JSON.parse(submitted.stdout)
    expect(status).toBe("queued")
    const upload = (column: string) => psql(setup.name, `SELECT ${column} FROM uploads WHERE id = '${uploadId}'`)
    const item = (columns: string) =>
      psql(setup.name, `SELECT ${columns} FROM work_queue WHERE payload->>'uploadId' = '${uploadId}'`)

    // the first worker (a short lease from the environment) is killed once a step is stored
    const first = start(["worker", "--json"], { ...env, BATCHOPS_WORKER_LEASE_MS: "2000" })
    await waitFor("the first worker to store a step", async () => {
      const state = await upload("status || ':' || jsonb_array_length(steps)")
      if (state.startsWith("published")) throw new Error("the first worker finished before it could be killed")
      return /^processing:[1-9]/.test(state)
    })
    first.child.kill("SIGKILL")
    const killed = await first.done
    expect(killed.signal).toBe("SIGKILL")
    expect(outcomes(killed.stdout)).toEqual([])
    expect(await upload("status")).toBe("processing")
    expect(Number(await upload("jsonb_array_length(steps)"))).toBeGreaterThan(0)
    expect(await item("status || ':' || attempts")).toBe("running:1")

    // the second worker starts once the dead worker's lease has run out
    await waitFor("the lease to expire", async () => (await item("leased_until < now()")) === "t", 30_000, 100)
    const second = await run(["worker", "--once", "--lease-ms", "1000", "--json"], env)
    expect(second.code, second.stderr).toBe(0)
    expect(outcomes(second.stdout)).toEqual([expect.objectContaining({ uploadId, status: "published" })])

    expect(await upload("status || ':' || progress")).toBe("published:100")
    expect(await item("status || ':' || attempts")).toBe("completed:2")
    expect(await psql(setup.name, "SELECT count(*) FROM work_queue")).toBe("1")

    // one set of reports (temporary files the killed run left behind are not reports)
    const files = reportFiles(join(setup.exports, uploadId))
    expect(files.reports).toEqual(["large.processed.csv", "large.processed.pdf"])
    const csv = readFileSync(join(setup.exports, uploadId, "large.processed.csv"), "utf8")
    expect(csv.trimEnd().split(/\r?\n/)).toHaveLength(1 + 400_000 + 1)
    expect(await upload("report_csv_path")).toBe(join(setup.exports, uploadId, "large.processed.csv"))
    expect(await upload("md5(report_csv)")).toBe(createHash("md5").update(csv).digest("hex"))
  }, 180_000)

  it("SIGTERM stops a worker mid-run with exit 0 and puts its upload back in the queue", async () => {
    const setup = await freshSetup()
    const env = { DATABASE_URL: setup.url, BATCHOPS_DATA_DIR: setup.data }
    const file = join(await folder(), "term.csv")
    const lines = ["Student ID,Name,Score"]
    for (let i = 0; i < 400_000; i++) lines.push(`S${i},Student ${i},${i % 101}`)
    writeFileSync(file, `${lines.join("\n")}\n`)
    const submitted = await run(["submit", file], env)
    expect(submitted.code, submitted.stderr).toBe(0)
    const uploadId = submitted.stdout.trim()
    const item = (columns: string) =>
      psql(setup.name, `SELECT ${columns} FROM work_queue WHERE payload->>'uploadId' = '${uploadId}'`)

    const worker = start(["worker"], env)
    await waitFor("the worker to claim the upload", async () => (await item("status")) === "running")
    worker.child.kill("SIGTERM")
    const stopped = await worker.done
    expect(stopped.code, stopped.stderr).toBe(0)
    expect(stopped.stdout).toBe("")
    expect(stopped.stderr).toMatch(/stopping/)
    expect(await item("status || ':' || attempts || ':' || (run_after <= now())")).toBe("queued:1:true")
    expect(await psql(setup.name, `SELECT status FROM uploads WHERE id = '${uploadId}'`)).toBe("queued")

    const again = await run(["worker", "--once"], env)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toMatch(new RegExp(`^published ${uploadId} `))
    expect(await item("status || ':' || attempts")).toBe("completed:2")
    expect(reportFiles(join(setup.exports, uploadId)).reports).toEqual(["term.summary.csv", "term.summary.pdf"])
  }, 180_000)

  it("mails the admins and verified moderators once when uploads fail, through a real SMTP server", async () => {
    const smtp = await startSmtpServer()
    try {
      const setup = await freshSetup()
      const env = {
        DATABASE_URL: setup.url,
        BATCHOPS_DATA_DIR: setup.data,
        EMAIL_HOST: "127.0.0.1",
        EMAIL_PORT: String(smtp.port),
        DEFAULT_FROM_EMAIL: "batchops@school.test",
      }
      const migrated = await run(["migrate"], env)
      expect(migrated.code, migrated.stderr).toBe(0)
      await psql(
        setup.name,
        `INSERT INTO users (username, email, role, email_verified, is_active) VALUES
          ('head', 'head@school.test', 'admin', false, true),
          ('ops', 'ops@school.test', 'moderator', true, true),
          ('new-mod', 'new-mod@school.test', 'moderator', false, true),
          ('teacher', 'teacher@school.test', 'user', true, true)`,
      )
      // the same bad export twice: one incident, so one mail
      const file = join(await folder(), "Gradebook.csv")
      writeFileSync(file, "Student ID,Name,Score\n")
      for (let i = 0; i < 2; i++) expect((await run(["submit", file], env)).code).toBe(0)
      const worked = await run(["worker", "--once"], env)
      expect(worked.code, worked.stderr).toBe(0)
      expect(worked.stdout.match(/^failed /gm)).toHaveLength(2)
      expect(worked.stderr).toMatch(/mail opened incident \S+: sent to 2 recipients/)
      expect(smtp.received).toHaveLength(1)
      const mail = smtp.received[0]!
      expect([...mail.rcptTo].sort()).toEqual(["head@school.test", "ops@school.test"])
      expect(mail.headers.get("subject")).toMatch(/^\[BatchOps\] Incident opened: standardize_results failed/)
      expect(mail.body).toContain("Gradebook.csv")
      expect(await psql(setup.name, "SELECT status FROM work_queue WHERE kind = 'notify_incident'")).toBe("completed")
    } finally {
      await smtp.close()
    }
  }, 120_000)

  it("shows, retries, approves and rejects uploads from the command line", async () => {
    const setup = await freshSetup()
    const env = { DATABASE_URL: setup.url, BATCHOPS_DATA_DIR: setup.data }
    expect((await run(["migrate"], env)).code).toBe(0)
    await psql(
      setup.name,
      `INSERT INTO users (username, email, role, email_verified) VALUES
        ('ops', 'ops@school.test', 'moderator', true), ('teacher', 'teacher@school.test', 'user', true)`,
    )
    const dir = await folder()
    const file = join(dir, "classes.csv")
    writeFileSync(file, "Student ID,Class,Score\nS1,9A,80\nS2,9B,70\nS3,9A,60\nS4,9C,90\n")
    const submit = async (args: ReadonlyArray<string>) => {
      const submitted = await run(["submit", file, ...args], env)
      expect(submitted.code, submitted.stderr).toBe(0)
      return submitted.stdout.trim()
    }
    const show = async (id: string) => JSON.parse((await run(["show", id, "--json"], env)).stdout)

    // a delete of half the rows waits; a teacher cannot approve it; the moderator can
    const held = await submit(["--plan", "delete", "--config", '{"rules":[{"column":"class","value":"9A"}]}'])
    expect((await run(["worker", "--once"], env)).stdout).toMatch(new RegExp(`^awaiting approval ${held} `))
    const waiting = await show(held)
    expect(waiting.status).toBe("awaiting_approval")
    expect(waiting.approval.request).toMatchObject({ deleted: 2, inputRows: 4 })
    const text = await run(["show", held], env)
    expect(text.stdout).toContain("waiting for approval: the delete plan would remove 2 of 4 rows (50%)")
    expect(text.stdout).toContain("- row 2: S1, 9A, 80")
    const byTeacher = await run(["approve", held, "--by", "teacher"], env)
    expect(byTeacher.code).toBe(1)
    expect(byTeacher.stderr).toBe("batchops approve: only an admin or a moderator can approve a held upload\n")
    const approved = await run(["approve", held, "--by", "ops", "--note", "9A moved school", "--json"], env)
    expect(approved.code, approved.stderr).toBe(0)
    expect(JSON.parse(approved.stdout).status).toBe("queued")
    expect((await run(["worker", "--once"], env)).stdout).toMatch(new RegExp(`^published ${held} `))
    const published = await show(held)
    expect(published.rows).toBe(2)
    expect(published.stages.map((s: { status: string }) => s.status)).toEqual([
      "reused",
      "reused",
      "reused",
      "ok",
      "ok",
    ])
    expect(published.timeline.map((e: { kind: string }) => e.kind)).toEqual(["held", "approved"])

    // a wrong plan fails; retried with the plan corrected, it publishes and the incident resolves
    const wrong = await submit(["--plan", "delete", "--config", '{"rules":[{"column":"house","value":"x"}]}'])
    expect((await run(["worker", "--once"], env)).stdout).toMatch(new RegExp(`^failed ${wrong} `))
    const retried = await run(["retry", wrong, "--plan", "transform", "--by", "ops"], env)
    expect(retried.code, retried.stderr).toBe(0)
    expect(retried.stdout).toContain("retry queued: from the file with the corrected plan")
    expect((await run(["worker", "--once"], env)).stdout).toMatch(new RegExp(`^published ${wrong} `))
    const fixed = await show(wrong)
    expect(
      await psql(setup.name, `SELECT status || ':' || retry_count FROM incidents WHERE id = '${fixed.incidentId}'`),
    ).toBe("resolved:1")

    // refusals are one clear line, exit 1
    const again = await run(["retry", wrong], env)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^batchops retry: upload \S+ is published; only a failed upload can be retried\n$/)
    const nobody = await run(["reject", held, "--by", "ghost"], env)
    expect(nobody.stderr).toBe('batchops reject: no active user "ghost"\n')
    const usage = await run(["approve", held, "--json"], env)
    expect(usage.code).toBe(2)
    expect(JSON.parse(usage.stdout).error).toMatch(/--by <username>/)
  }, 180_000)

  it("refuses a lease that is not a positive number of milliseconds (exit 2)", async () => {
    const bad = await run(["worker", "--once", "--lease-ms", "soon"], {})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--lease-ms must be a positive whole number/)
    const badEnv = await run(["worker", "--once", "--json"], { BATCHOPS_WORKER_LEASE_MS: "0" })
    expect(badEnv.code).toBe(2)
    expect(JSON.parse(badEnv.stdout)).toMatchObject({ status: "error" })
    const missing = await run(["submit"], {})
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/missing the file to submit/)
  })
})
