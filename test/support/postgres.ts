/**
 * Real PostgreSQL for the tests: the server of BATCHOPS_TEST_PG_URL (default the machine's,
 * postgres://postgres@127.0.0.1:5432), with a fresh database per test file, made and dropped
 * with psql so that the code under test is the only BatchOps code that talks to it.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "vitest"

export const serverUrl = new URL(process.env.BATCHOPS_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres")

/** The URL of a database on the test server. */
export const databaseUrl = (name: string): string => {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Run one SQL command with psql and return its unaligned output. */
export const psql = (database: string, command: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn("psql", [databaseUrl(database), "-At", "-v", "ON_ERROR_STOP=1", "-c", command])
    let out = ""
    let err = ""
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d))
    child.stderr.setEncoding("utf8").on("data", (d) => (err += d))
    child.on("error", reject)
    child.on("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err.trim()))))
  })

export interface TestDatabase {
  readonly name: string
  readonly url: string
}

/** Names are made here from lower-case letters, digits and `_`, so they are safe in SQL text. */
const newName = (prefix: string) => `batchops_${prefix}_${randomBytes(6).toString("hex")}`

export const createDatabase = async (prefix: string): Promise<TestDatabase> => {
  const name = newName(prefix)
  await psql("postgres", `CREATE DATABASE ${name}`)
  return { name, url: databaseUrl(name) }
}

export const dropDatabase = (name: string): Promise<string> =>
  psql("postgres", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)

/** A fresh database for the tests of one file: created before them, dropped after them. */
export const freshDatabase = (prefix: string): TestDatabase => {
  const name = newName(prefix)
  beforeAll(() => psql("postgres", `CREATE DATABASE ${name}`))
  afterAll(() => dropDatabase(name))
  return { name, url: databaseUrl(name) }
}
