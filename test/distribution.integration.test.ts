/**
 * What a user gets from the registry: every publishable package is packed with `npm pack`,
 * checked with publint and @arethetypeswrong/cli, and installed from its tarball into a fresh
 * project outside the repository, where programs (ESM and CommonJS, typechecked) process a
 * gradebook with a custom plugin and the installed `batchops` command works.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { publint } from "publint"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PUBLISHED } from "../scripts/packages.mjs"
// @ts-expect-error: a plain script without declarations
import { codeBlocks, snippetPages } from "../scripts/snippets.mjs"
import { root, withoutDataVariables } from "./helpers.js"

const PACKAGES = PUBLISHED

const work = mkdtempSync(join(tmpdir(), "batchops-dist-"))
const tarballs = join(work, "tarballs")
const app = join(work, "portal-app")
const tsc = join(root, "node_modules", ".bin", "tsc")
const attw = join(root, "node_modules", ".bin", "attw")

/** The environment without npm's own variables (from `npm test`), so npm here acts on `cwd` alone. */
const cleanEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(withoutDataVariables(process.env)).filter(([key]) => !/^npm_/i.test(key)))

const run = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) => {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...cleanEnv(), ...env },
    timeout: 300_000,
  })
  if (result.error) throw result.error
  return result
}

const expectSuccess = (result: SpawnSyncReturns<string>) => {
  if (result.status !== 0) throw new Error(`exit ${result.status}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

const tarballOf = (name: string) => join(tarballs, `batchops-${name}-${version(name)}.tgz`)
const version = (name: string): string =>
  JSON.parse(readFileSync(join(root, "packages", name, "package.json"), "utf8")).version

// A custom plugin as a plugin author publishes it: a stage placed after validate_results.
const PLUGIN = `
const passingMark = {
  name: "passing-mark",
  apiVersion: 1,
  stages: [
    {
      name: "count_below_passing",
      after: "validate_results",
      start: (context, columns) => {
        const math = columns.indexOf("math")
        let below = 0
        return Effect.sync(() => ({
          chunk: (rows) =>
            Effect.sync(() => {
              for (const row of rows) if (typeof row.cells[math] === "number" && row.cells[math] < 60) below += 1
              context.log.belowPassing = below
              return rows
            }),
        }))
      },
    },
  ],
}
`

// The promise API, as a portal that does not use Effect itself would call it
const ESM_PROGRAM = `
import { createBatchOps } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"
${PLUGIN}
const batchops = await createBatchOps({ plugins: [parsersPlugin, passingMark], layer: DirectoryPublisher.layer("reports-esm") })
const result = await batchops.process("gradebook.csv", { profile: "gradebook" })
await batchops.close()
console.log(JSON.stringify({ status: result.status, stages: result.stages.map((s) => [s.name, s.status, s.plugin, s.log]), reports: result.reports }))
`

// CommonJS: require() of every package (effect itself is ESM; Node 22.12+ requires it)
const CJS_PROGRAM = `
const { batchopsPlugin, createRegistry, runPipeline, sourceFromBytes } = require("@batchops/core")
const { parsersPlugin } = require("@batchops/parsers")
const { DirectoryPublisher } = require("@batchops/reports")
const { migrate } = require("@batchops/store-sql")
const { BullWorkQueueLayer } = require("@batchops/queue-bullmq")
const server = require("@batchops/server")
const { Effect } = require("effect")
const { readFileSync } = require("node:fs")
${PLUGIN}
const program = Effect.gen(function* () {
  const registry = yield* createRegistry([batchopsPlugin, parsersPlugin, passingMark])
  return yield* runPipeline(registry, {
    source: sourceFromBytes("gradebook.csv", new Uint8Array(readFileSync("gradebook.csv"))),
    profile: "gradebook",
  })
}).pipe(Effect.provide(DirectoryPublisher.layer("reports-cjs")))
Effect.runPromise(program).then((result) => {
  console.log(JSON.stringify({ status: result.status, exports: [typeof migrate, typeof BullWorkQueueLayer, Object.keys(server).length > 0] }))
})
`

// A plugin author's test with the kit, from the installed package
const KIT_PROGRAM = `
import { runStage, expectStep, samples, checkPlugin } from "@batchops/core/testing"
import { Effect } from "effect"
${PLUGIN}
await checkPlugin(passingMark)
const outcome = await runStage({ plugin: passingMark, stage: "count_below_passing" }, samples.gradebook, { profile: "gradebook" })
expectStep(outcome, "count_below_passing", { status: "ok" })
const refused = await checkPlugin({ ...passingMark, apiVersion: 99 }).then(() => "accepted", (error) => error.message)
console.log(JSON.stringify({ status: outcome.status, log: outcome.log, rows: outcome.rows.length, refused }))
`

// Typechecked against the installed declarations, from an ES module and from a CommonJS one.
const TYPED = `
import {
  batchopsPlugin,
  createRegistry,
  definePlugin,
  type PipelineResult,
  type ProcessOptions,
  runPipeline,
  sourceFromBytes,
} from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { IncidentsRepoLayer, pgliteLayer } from "@batchops/store-sql"
import { Effect } from "effect"

const plugin = definePlugin({ name: "typed", apiVersion: 1 })
// @ts-expect-error: a plugin must say which plugin API it targets
export const undeclared = definePlugin({ name: "undeclared" })
// optional fields take undefined, as a form's unset values are (exactOptionalPropertyTypes)
const chosen: string | undefined = process.env.PROFILE
export const options: ProcessOptions = { profile: chosen, plan: { mode: chosen, config: {} }, maxChange: undefined }
export const program: Effect.Effect<PipelineResult, unknown> = Effect.gen(function* () {
  const registry = yield* createRegistry([batchopsPlugin, parsersPlugin, plugin])
  return yield* runPipeline(registry, {
    source: sourceFromBytes("a.csv", new Uint8Array()),
    profile: chosen,
    plan: { mode: undefined },
  })
}).pipe(Effect.provide(DirectoryPublisher.layer("out")))
export const layer = pgliteLayer
export const incidents = IncidentsRepoLayer
`

/**
 * Type-checks `files` in `dir` as a strict user project would: strict with
 * exactOptionalPropertyTypes, and the declarations of every package imported checked too (no
 * skipLibCheck), as in a project that does not hide them.
 */
const typecheck = (dir: string, files: ReadonlyArray<string>) => {
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        target: "es2023",
        strict: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        skipLibCheck: false,
        allowImportingTsExtensions: true,
        types: ["node"],
      },
      files,
    }),
  )
  return run(tsc, ["-p", "tsconfig.json"], dir)
}

beforeAll(() => {
  mkdirSync(tarballs, { recursive: true })
  mkdirSync(app, { recursive: true })
  // npm pack runs each package's prepack (store-sql takes the migrations, server the web app)
  const workspaces = PACKAGES.flatMap((name) => ["-w", `packages/${name}`])
  expectSuccess(run("npm", ["pack", "--pack-destination", tarballs, ...workspaces], root))

  const dependencies = Object.fromEntries(
    PACKAGES.map((name) => [`@batchops/${name}`, `file:${tarballOf(name)}`] as const),
  )
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify(
      {
        name: "portal-app",
        private: true,
        type: "module",
        dependencies: { ...dependencies, effect: "^4.1.0", "@types/node": "^24.0.0" },
      },
      null,
      2,
    ),
  )
  expectSuccess(run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], app))
  copyFileSync(join(root, "examples", "data", "gradebook.csv"), join(app, "gradebook.csv"))
}, 600_000)

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("the packed packages", () => {
  it.each(PACKAGES)("@batchops/%s passes publint with no message", async (name) => {
    const tarball = readFileSync(tarballOf(name))
    const { messages } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
      strict: true,
      level: "suggestion",
    })
    expect(messages).toEqual([])
  })

  it.each(PACKAGES)("@batchops/%s passes @arethetypeswrong/cli with no problem", (name) => {
    const result = run(attw, [tarballOf(name), "--format", "json"], work)
    const report = JSON.parse(result.stdout)
    expect(report.analysis.problems ?? []).toEqual([])
    expect(result.status).toBe(0)
  })

  it("ship what is needed and nothing else", () => {
    const listing = (name: string) =>
      expectSuccess(run("tar", ["-tzf", tarballOf(name)], work))
        .trim()
        .split("\n")
    for (const name of PACKAGES) {
      const files = listing(name)
      expect(files, name).toContain("package/LICENSE")
      expect(files, name).toContain("package/README.md")
      expect(files, name).toContain("package/dist/index.d.cts")
      expect(
        files.filter((file) => /\/(src|test)\/|\.map$|tsconfig/.test(file)),
        name,
      ).toEqual([])
    }
    expect(listing("store-sql").filter((file) => file.startsWith("package/migrations/"))).toEqual(
      readdirSync(join(root, "migrations")).map((file) => `package/migrations/${file}`),
    )
    expect(listing("server")).toContain("package/web/index.html")
  })

  it("install from their tarballs, not from the registry or the repository", () => {
    const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8"))
    for (const name of PACKAGES) {
      expect(lock.packages[`node_modules/@batchops/${name}`].resolved, name).toMatch(/^file:.*\.tgz$/)
    }
  })

  it("run an ES module program that processes a gradebook with a custom plugin through the promise API", () => {
    writeFileSync(join(app, "main.mjs"), ESM_PROGRAM)
    const result = JSON.parse(expectSuccess(run(process.execPath, ["main.mjs"], app)))
    expect(result.status).toBe("published")
    const step = result.stages.find(([name]: [string]) => name === "count_below_passing")
    expect(step.slice(0, 3)).toEqual(["count_below_passing", "ok", "passing-mark"])
    expect(step[3].belowPassing).toBeGreaterThanOrEqual(0)
    // each run's reports are in a folder of their own
    expect(
      readdirSync(join(app, "reports-esm"), { recursive: true }).some((file) => String(file).endsWith(".pdf")),
    ).toBe(true)
  })

  it("give plugin authors the kit: @batchops/core/testing runs a stage from the installed package", () => {
    writeFileSync(join(app, "kit.mjs"), KIT_PROGRAM)
    const result = JSON.parse(expectSuccess(run(process.execPath, ["kit.mjs"], app)))
    expect(result.status).toBe("ok")
    expect(result.rows).toBeGreaterThan(0)
    expect(typeof result.log.belowPassing).toBe("number")
    expect(result.refused).toMatch(/passing-mark.*99/)
  })

  it("run the same from CommonJS through the Effect API, requiring every package", () => {
    writeFileSync(join(app, "main.cjs"), CJS_PROGRAM)
    const result = JSON.parse(expectSuccess(run(process.execPath, ["main.cjs"], app)))
    expect(result).toEqual({ status: "published", exports: ["function", "function", true] })
  })

  it("typecheck a user's TypeScript as an ES module and as CommonJS", () => {
    writeFileSync(join(app, "typed.mts"), TYPED)
    writeFileSync(join(app, "typed.cts"), TYPED)
    const result = typecheck(app, ["typed.mts", "typed.cts"])
    expect(result.stdout + result.stderr).toBe("")
    expect(result.status).toBe(0)
  })

  it("type-check and run every code block of the docs and the packages' READMEs, as a user's project", () => {
    const dir = join(app, "docs-code")
    mkdirSync(dir, { recursive: true })
    copyFileSync(join(root, "examples", "data", "gradebook.csv"), join(dir, "gradebook.csv"))
    const names: Array<string> = []
    for (const page of snippetPages() as ReadonlyArray<string>) {
      // the control room's README shows the web app's own code, checked with the web app
      if (page.startsWith("packages/web/")) continue
      ;(codeBlocks(readFileSync(join(root, page), "utf8")) as ReadonlyArray<string>).forEach((code, i) => {
        const name = `${page.replaceAll("/", "_").replace(/\.md$/, "")}_${i + 1}.mts`
        // each block is a module of its own, as a reader's file would be
        writeFileSync(join(dir, name), `${code}\nexport {}\n`)
        names.push(name)
      })
    }
    const snippets = readdirSync(join(root, "docs", "snippets")).filter((name) => name.endsWith(".ts"))
    for (const name of snippets) copyFileSync(join(root, "docs", "snippets", name), join(dir, name))
    expect(names.length).toBeGreaterThan(5)
    const checked = typecheck(dir, [...names, ...snippets])
    expect(checked.stdout + checked.stderr).toBe("")
    expect(checked.status).toBe(0)
    // and each runs: the snippets, and the shorter blocks (which need no service but the files)
    for (const name of [...snippets, ...names]) {
      const ran = run(process.execPath, [name], dir)
      expect(ran.status, `${name}: ${ran.stderr}`).toBe(0)
    }
  }, 300_000)

  it("give a working batchops command: its version, process, and migrate with the shipped migrations", () => {
    const batchops = join(app, "node_modules", ".bin", "batchops")
    expect(expectSuccess(run(batchops, ["--version"], app))).toBe(`${version("server")}\n`)
    const processed = JSON.parse(
      expectSuccess(run(batchops, ["process", "gradebook.csv", "--out", "cli-reports", "--json"], app)),
    )
    expect(processed.status).toBe("published")
    const data = join(work, "data")
    const migrated = JSON.parse(expectSuccess(run(batchops, ["migrate", "--json"], app, { BATCHOPS_DATA_DIR: data })))
    expect(JSON.stringify(migrated)).toContain(String(readdirSync(join(root, "migrations")).length))
  })
})
