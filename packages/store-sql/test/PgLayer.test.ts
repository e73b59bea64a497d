import { Effect, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { DatabaseConfigError, pgConfigFromEnv } from "../src/index.js"

describe("pgConfigFromEnv", () => {
  it("prefers DATABASE_URL", async () => {
    const config = await Effect.runPromise(
      pgConfigFromEnv({ DATABASE_URL: "postgres://u:p@db:5433/school", DB_NAME: "ignored" }),
    )
    expect(config.url && Redacted.value(config.url)).toBe("postgres://u:p@db:5433/school")
    expect(config.database).toBeUndefined()
  })

  it("builds the connection from the DB_* variables", async () => {
    const config = await Effect.runPromise(
      pgConfigFromEnv({ DB_NAME: "school", DB_USER: "batch", DB_PASSWORD: "secret", DB_HOST: "db", DB_PORT: "6543" }),
    )
    expect(config).toMatchObject({ database: "school", username: "batch", host: "db", port: 6543 })
    expect(Redacted.isRedacted(config.password) && Redacted.value(config.password)).toBe("secret")
  })

  it("defaults host, port and user", async () => {
    const config = await Effect.runPromise(pgConfigFromEnv({ DB_NAME: "school" }))
    expect(config).toMatchObject({ database: "school", username: "postgres", host: "127.0.0.1", port: 5432 })
    expect(config.password).toBeUndefined()
  })

  it("fails clearly when nothing is configured", async () => {
    const error = await Effect.runPromise(Effect.flip(pgConfigFromEnv({ DB_HOST: "db" })))
    expect(error).toBeInstanceOf(DatabaseConfigError)
    expect(error.message).toContain("set DATABASE_URL")
  })

  it("rejects a malformed port", async () => {
    const error = await Effect.runPromise(Effect.flip(pgConfigFromEnv({ DB_NAME: "school", DB_PORT: "http" })))
    expect(error.message).toContain("DB_PORT")
  })
})
