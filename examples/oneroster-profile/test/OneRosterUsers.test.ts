import { readFileSync } from "node:fs"
import { checkPlugin, expectStep, runPlugin, sampleFile } from "@batchops/core/testing"
import { oneRosterPlugin, USERS_COLUMNS } from "@batchops/example-oneroster-profile"
import { describe, expect, it } from "vitest"

const usersCsv = readFileSync(new URL("../data/users.csv", import.meta.url), "utf8")
const [header, ...records] = usersCsv.trimEnd().split("\n")
const users = { name: "users.csv", bytes: new TextEncoder().encode(usersCsv) }

/** users.csv with some columns left out of every line. */
const without = (...headers: ReadonlyArray<keyof typeof USERS_COLUMNS>) => {
  const names = header!.split(",")
  const keep = names.map((name) => !headers.includes(name as keyof typeof USERS_COLUMNS))
  // the sample's only quoted cell is orgSourcedIds of the teacher; take lines without it
  const lines = [header!, ...records.filter((line) => !line.includes('"'))]
  return sampleFile(
    "users.csv",
    ...lines.map((line) =>
      line
        .split(",")
        .filter((_, i) => keep[i])
        .join(","),
    ),
  )
}

/** users.csv with one cell of one record changed. */
const withCell = (record: number, column: keyof typeof USERS_COLUMNS, value: string) => {
  const index = header!.split(",").indexOf(column)
  const lines = records.map((line, i) =>
    i === record
      ? line
          .split(",")
          .map((cell, c) => (c === index ? value : cell))
          .join(",")
      : line,
  )
  return sampleFile("users.csv", header!, ...lines)
}

describe("the OneRoster 1.2 users.csv profile", () => {
  it("registers as a plugin", async () => {
    const registry = await checkPlugin(oneRosterPlugin)
    expect(registry.profiles.get("oneroster-users")?.plugin).toBe("oneroster")
  })

  it("publishes a valid users.csv, its headers read in snake case", async () => {
    const run = await runPlugin(oneRosterPlugin, users, { profile: "oneroster-users" })
    expect(run.result.status).toBe("published")
    expect(run.result.problems).toEqual([])
    expect(run.result.columns).toEqual(Object.values(USERS_COLUMNS))
    expectStep(run, "standardize_results", {
      log: { profile: "oneroster-users", aliases: { sourcedid: "sourced_id", givenname: "given_name" } },
    })
    expectStep(run, "validate_results", {
      status: "ok",
      log: {
        required: ["sourcedId", "enabledUser", "orgSourcedIds", "role", "username", "givenName", "familyName"],
      },
    })
  })

  it("is the profile `auto` picks for a users.csv", async () => {
    const run = await runPlugin(oneRosterPlugin, users, { profile: "auto" })
    expect(run.result.profile).toBe("oneroster-users")
  })

  it("spells roles and enabledUser as the standard does in the published rows", async () => {
    const file = withCell(0, "role", "STUDENT")
    const run = await runPlugin(oneRosterPlugin, file, {
      profile: "oneroster-users",
      plan: { mode: "custom", config: { note: "users as published" } },
    })
    const roles = run.publication!.rows.map((row) => row.cells[run.publication!.columns.indexOf("role")])
    expect(roles).toEqual(["student", "student", "student", "student", "teacher", "guardian", "districtAdministrator"])
  })

  it("fails when required columns are missing, naming them", async () => {
    const run = await runPlugin(oneRosterPlugin, without("role", "username"), { profile: "oneroster-users" })
    expect(run.result.status).toBe("failed")
    expect(run.result.incident).toMatchObject({
      stage: "validate_results",
      knownError: "missing-required-column",
    })
    expect(run.result.incident?.error).toMatch(
      /^missing required columns for the oneroster-users profile: role; username \(columns found: sourced_id, /,
    )
  })

  it("reports a role and an enabledUser the standard does not allow, row by row", async () => {
    const file = sampleFile(
      "users.csv",
      header!,
      ...records
        .slice(0, 3)
        .map((line, i) => (i === 1 ? line.replace(",true,org-hs,student,", ",yes,org-hs,pupil,") : line)),
    )
    const run = await runPlugin(oneRosterPlugin, file, { profile: "oneroster-users" })
    expect(run.result.status).toBe("published")
    expect(run.result.problems).toEqual([
      expect.objectContaining({ row: 3, column: "role", value: "pupil", rule: "unknown_code" }),
      expect.objectContaining({ row: 3, column: "enabled_user", value: "yes", rule: "unknown_code" }),
    ])
  })

  it("warns about a repeated sourcedId or username and fails on a missing sourcedId", async () => {
    const repeated = await runPlugin(oneRosterPlugin, withCell(1, "sourcedId", "usr-0001"), {
      profile: "oneroster-users",
    })
    expect(repeated.result.problems).toEqual([
      expect.objectContaining({ row: 3, column: "sourced_id", value: "usr-0001", rule: "duplicate" }),
    ])
    const username = await runPlugin(oneRosterPlugin, withCell(2, "username", "csmith"), { profile: "oneroster-users" })
    expect(username.result.problems).toEqual([
      expect.objectContaining({ row: 4, column: "username", value: "csmith", rule: "duplicate" }),
    ])
    const missing = await runPlugin(oneRosterPlugin, withCell(2, "sourcedId", ""), { profile: "oneroster-users" })
    expect(missing.result.incident?.error).toBe("sourced_id is missing in 1 row (row 4)")
  })
})
