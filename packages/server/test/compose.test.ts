/**
 * The distributed stack's files, checked without a Docker engine: docker-compose.yml runs
 * backend, worker, scheduler, redis and db with the seed's settings, named volumes, health
 * checks and start order; each BatchOps service's command is one the built `batchops` knows
 * (with flags it takes); the Dockerfile builds the host and the web app and runs as non-root.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { root, startBatchops } from "../../../test/helpers.js"
import { serveRoles } from "../src/cli/Serve.js"
import { MAX_WORKER_CONCURRENCY } from "../src/cli/Worker.js"

interface Service {
  readonly image?: string
  readonly build?: string | { readonly context: string }
  readonly command?: ReadonlyArray<string>
  readonly environment?: Record<string, string>
  readonly volumes?: ReadonlyArray<string>
  readonly depends_on?: Record<string, { readonly condition: string }>
  readonly healthcheck?: { readonly test: ReadonlyArray<string> | string; readonly interval?: string }
}

const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
  readonly services: Record<string, Service>
  readonly volumes: Record<string, unknown>
}
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8")
const cliBundle = readFileSync(join(root, "packages", "server", "dist", "batchops-cli.js"), "utf8")

const BATCHOPS = ["backend", "worker", "scheduler"] as const
const SEED_ENV = [
  "DB_NAME",
  "DB_USER",
  "DB_PASSWORD",
  "DB_HOST",
  "DB_PORT",
  "REDIS_URL",
  "EMAIL_HOST",
  "EMAIL_PORT",
  "EMAIL_HOST_USER",
  "EMAIL_HOST_PASSWORD",
  "EMAIL_USE_TLS",
  "DEFAULT_FROM_EMAIL",
  "EXPORT_DIR",
  "BATCHOPS_BACKUP_DIR",
  "BATCHOPS_DATA_DIR",
]

describe("docker-compose.yml", () => {
  it("runs the five services of the seed", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["backend", "db", "redis", "scheduler", "worker"])
    expect(compose.services.redis!.image).toMatch(/^redis:7/)
    expect(compose.services.db!.image).toMatch(/^postgres:15/)
  })

  it("builds one image from the repository's Dockerfile for the three BatchOps roles", () => {
    const backend = compose.services.backend!
    const context = typeof backend.build === "string" ? backend.build : backend.build?.context
    expect(context).toBe(".")
    for (const name of BATCHOPS) expect(compose.services[name]!.image, name).toBe(backend.image)
  })

  it("configures BatchOps with the seed's variables, the same for every role, and Postgres with them", () => {
    for (const name of BATCHOPS) {
      const env = compose.services[name]!.environment!
      for (const key of SEED_ENV) expect(env, `${name} ${key}`).toHaveProperty(key)
      expect(env.DB_HOST).toMatch(/db/)
      expect(env.REDIS_URL).toMatch(/^\$\{REDIS_URL:-redis:\/\/redis:6379/)
    }
    const db = compose.services.db!.environment!
    expect(db.POSTGRES_DB).toContain("DB_NAME")
    expect(db.POSTGRES_USER).toContain("DB_USER")
    expect(db.POSTGRES_PASSWORD).toContain("DB_PASSWORD")
  })

  it("sets only variables the built host reads (REDIS_URL is the queue adapter's)", () => {
    for (const name of BATCHOPS) {
      for (const key of Object.keys(compose.services[name]!.environment!)) {
        if (key === "REDIS_URL") continue
        expect(cliBundle.includes(key), `${name}: ${key} is not read by batchops`).toBe(true)
      }
    }
  })

  it("keeps data, exports, backups, the database and Redis in named volumes", () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(["backups", "data", "db", "exports", "redis"])
    for (const name of BATCHOPS) {
      const service = compose.services[name]!
      const mounts = Object.fromEntries(service.volumes!.map((v) => v.split(":").reverse()))
      const env = service.environment!
      expect(mounts[env.BATCHOPS_DATA_DIR!], name).toBe("data")
      expect(mounts[env.EXPORT_DIR!], name).toBe("exports")
      expect(mounts[env.BATCHOPS_BACKUP_DIR!], name).toBe("backups")
    }
    expect(compose.services.db!.volumes).toContain("db:/var/lib/postgresql/data")
    expect(compose.services.redis!.volumes).toContain("redis:/data")
  })

  it("checks every service's health, and starts each after what it needs is healthy", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test, name).toBeDefined()
      for (const [needed, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services, `${name} needs ${needed}`).toHaveProperty(needed)
        expect(condition, `${name} needs ${needed}`).toBe("service_healthy")
      }
    }
    for (const name of BATCHOPS) {
      expect(Object.keys(compose.services[name]!.depends_on!), name).toEqual(expect.arrayContaining(["db", "redis"]))
    }
    // the workers and the scheduler wait for the API, which migrates the database first
    expect(compose.services.worker!.depends_on).toHaveProperty("backend")
    expect(compose.services.scheduler!.depends_on).toHaveProperty("backend")
    expect(JSON.stringify(compose.services.backend!.healthcheck!.test)).toContain("/api/health/")
    expect(JSON.stringify(compose.services.db!.healthcheck!.test)).toContain("pg_isready")
    expect(JSON.stringify(compose.services.redis!.healthcheck!.test)).toContain("ping")
  })

  it("runs serve as the API alone, a worker and a scheduler: commands the built batchops knows", async () => {
    const commands = Object.fromEntries(BATCHOPS.map((name) => [name, compose.services[name]!.command!]))
    expect(commands.backend![0]).toBe("serve")
    expect(commands.worker![0]).toBe("worker")
    expect(commands.scheduler![0]).toBe("scheduler")
    const help = await startBatchops(["--help"]).done
    expect(help.code).toBe(0)
    for (const [name, [command, ...flags]] of Object.entries(commands)) {
      const usage = help.stdout.split("\n").find((line) => line.trim().startsWith(`batchops ${command}`))
      expect(usage, `${name}: batchops ${command}`).toBeDefined()
      for (const flag of flags.filter((f) => f.startsWith("--"))) expect(usage, `${name}: ${flag}`).toContain(flag)
      const own = await startBatchops([command!, "--help"]).done
      expect(own.code, `${name}: batchops ${command} --help`).toBe(0)
    }
    // serve runs neither the worker nor the scheduler in the backend container
    expect(serveRoles(commands.backend!.slice(1), compose.services.backend!.environment!)).toEqual({
      worker: false,
      scheduler: false,
    })
    const concurrency = /^\$\{BATCHOPS_WORKER_CONCURRENCY:-(\d+)\}$/.exec(
      compose.services.worker!.environment!.BATCHOPS_WORKER_CONCURRENCY!,
    )
    expect(Number(concurrency?.[1])).toBeGreaterThanOrEqual(1)
    expect(Number(concurrency?.[1])).toBeLessThanOrEqual(MAX_WORKER_CONCURRENCY)
  }, 60_000)
})

describe("Dockerfile", () => {
  it("builds the host and the web app in one stage and runs them from a slim one, as a non-root user", () => {
    const stages = dockerfile.match(/^FROM .+$/gm) ?? []
    expect(stages.length).toBeGreaterThanOrEqual(2)
    for (const stage of stages) expect(stage).toMatch(/^FROM node:24/)
    expect(dockerfile).toMatch(/RUN npm install\b/)
    expect(dockerfile).toMatch(/npm run build\b/)
    expect(dockerfile).toContain("packages/web/dist/index.html")
    expect(dockerfile).toContain("postgresql-client")
    const users = dockerfile.match(/^USER (\S+)$/gm) ?? []
    expect(users.length).toBeGreaterThan(0)
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/)
    expect(dockerfile).toMatch(/^EXPOSE 8000$/m)
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/api\/health\//m)
    expect(dockerfile).toMatch(/^ENTRYPOINT \["batchops"\]$/m)
  })

  it("leaves this machine's builds, data and secrets out of the build", () => {
    const ignored = readFileSync(join(root, ".dockerignore"), "utf8").split("\n")
    for (const entry of ["**/node_modules", "**/dist", ".batchops", ".env", ".git"]) expect(ignored).toContain(entry)
  })
})
