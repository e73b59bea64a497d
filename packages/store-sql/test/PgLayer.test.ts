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
    expect(error.message).toBe('DB_PORT must be a port number, got "http"')
    const outOfRange = await Effect.runPromise(Effect.flip(pgConfigFromEnv({ DB_NAME: "school", DB_PORT: "70000" })))
    expect(outOfRange.message).toBe('DB_PORT must be a port number, got "70000"')
  })

  it("reads DATABASE_URL alone when it is set, and takes blank settings as unset", async () => {
    const url = await Effect.runPromise(
      pgConfigFromEnv({ DATABASE_URL: " postgres://db/school ", DB_PORT: "http", DB_NAME: "ignored" }),
    )
    expect(url.url && Redacted.value(url.url)).toBe("postgres://db/school")
    const parts = await Effect.runPromise(
      pgConfigFromEnv({ DATABASE_URL: "  ", DB_NAME: " school ", DB_USER: "", DB_PASSWORD: "", DB_PORT: " " }),
    )
    expect(parts).toMatchObject({ database: "school", username: "postgres", port: 5432 })
    expect(parts.password).toBeUndefined()
  })
})
