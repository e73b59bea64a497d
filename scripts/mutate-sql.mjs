#!/usr/bin/env node
/**
 * Mutation testing of the rules BatchOps states in SQL, which Stryker cannot change (it only
 * replaces a query's whole text): each mutation below is one change to a query, applied to the
 * source, and the test that decides the rule must fail with it. The source is restored after
 * each, also when the run is interrupted.
 *
 *   node scripts/mutate-sql.mjs            every mutation
 *   node scripts/mutate-sql.mjs --list     the mutations, without running them
 *
 * Exit 1 when a mutation survives (its test passed) or no longer applies (its text is not in the
 * source exactly once: the list must follow the query).
 */
import { spawnSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")

/** @type {ReadonlyArray<{ rule: string, file: string, from: string, to: string, test: string, name: string }>} */
export const SQL_MUTATIONS = [
  {
    rule: "an expired token is refused",
    file: "packages/store-sql/src/TokensRepo.ts",
    from: " AND t.expires_at > now()",
    to: "",
    test: "packages/server/test/api/auth.test.ts",
    name: "refuses a token once its lifetime is over",
  },
  {
    rule: "a signed-out (revoked) token is refused",
    file: "packages/store-sql/src/TokensRepo.ts",
    from: " AND t.revoked_at IS NULL",
    to: "",
    test: "packages/server/test/api/auth.test.ts",
    name: "signs out: the token is refused afterwards",
  },
  {
    rule: "a token unused for 12 hours is refused",
    file: "packages/store-sql/src/TokensRepo.ts",
    from: "AND t.last_used_at > now() -",
    to: "AND t.last_used_at > now() - interval '100 years' -",
    test: "packages/server/test/api/auth.limits.test.ts",
    name: "signs a token out after 12 hours without use",
  },
  {
    rule: "a deactivated account's token is refused",
    file: "packages/store-sql/src/TokensRepo.ts",
    from: "::interval AND u.is_active`",
    to: "::interval`",
    test: "packages/store-sql/test/TokensRepo.test.ts",
    name: "a deactivated account's token is refused",
  },
  {
    rule: "active known errors are listed by name",
    file: "packages/store-sql/src/KnownErrorsRepo.ts",
    from: "WHERE active ORDER BY name`",
    to: "WHERE active ORDER BY name DESC`",
    test: "packages/store-sql/test/Pglite.test.ts",
    name: "lists known errors by name whatever order they were made in",
  },
  {
    rule: "all known errors are listed by name",
    file: "packages/store-sql/src/KnownErrorsRepo.ts",
    from: "FROM known_errors ORDER BY name`",
    to: "FROM known_errors ORDER BY name DESC`",
    test: "packages/store-sql/test/Pglite.test.ts",
    name: "lists known errors by name whatever order they were made in",
  },
]

const escapeName = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const run = () => {
  let failed = 0
  for (const m of SQL_MUTATIONS) {
    const path = resolve(root, m.file)
    const original = readFileSync(path, "utf8")
    const at = original.indexOf(m.from)
    if (at < 0 || original.indexOf(m.from, at + 1) >= 0) {
      console.log(`NOT APPLIED  ${m.rule}: "${m.from}" is not in ${m.file} exactly once`)
      failed++
      continue
    }
    const restore = () => writeFileSync(path, original)
    const onSignal = (signal) => {
      restore()
      process.kill(process.pid, signal)
    }
    process.once("SIGINT", onSignal)
    process.once("SIGTERM", onSignal)
    const started = Date.now()
    let result
    try {
      writeFileSync(path, original.slice(0, at) + m.to + original.slice(at + m.from.length))
      result = spawnSync("npx", ["vitest", "run", m.test, "-t", escapeName(m.name), "--reporter=dot"], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, FORCE_COLOR: "0" },
      })
    } finally {
      restore()
      process.off("SIGINT", onSignal)
      process.off("SIGTERM", onSignal)
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    const ranTests = /Tests\s+.*\d+ (passed|failed)/.test(result.stdout)
    if (!ranTests) {
      console.log(`NO TEST      ${m.rule}: "${m.name}" ran no test in ${m.test}`)
      console.log(result.stdout.slice(-2000), result.stderr.slice(-2000))
      failed++
    } else if (result.status === 0) {
      console.log(`SURVIVED     ${m.rule} (${m.file}: "${m.from}" -> "${m.to}"), ${seconds} s`)
      failed++
    } else {
      console.log(`killed       ${m.rule}, ${seconds} s`)
    }
  }
  console.log(`${SQL_MUTATIONS.length - failed} of ${SQL_MUTATIONS.length} SQL mutations killed`)
  return failed === 0 ? 0 : 1
}

if (process.argv.includes("--list")) {
  for (const m of SQL_MUTATIONS) console.log(`${m.rule}: ${m.file} "${m.from}" -> "${m.to}" (${m.test})`)
} else {
  process.exitCode = run()
}
