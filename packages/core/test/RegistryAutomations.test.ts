/**
 * Automations in the registry: contributed by plugins like every other contribution, found by
 * key with the plugin that contributed them, and refused (naming both plugins) when two
 * plugins claim the same key.
 */
import {
  type Automation,
  AutomationError,
  batchopsPlugin,
  createRegistry,
  DEFAULT_MANUAL_RUN_ACCESS,
  defineAutomation,
  definePlugin,
  mayRunByHand,
  type Plugin,
  type PluginError,
} from "@batchops/core"
import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"

const registryError = (plugins: ReadonlyArray<Plugin>): Promise<PluginError> =>
  Effect.runPromise(Effect.flip(createRegistry(plugins)))

const reminders = defineAutomation({
  key: "send_reminders",
  description: "Remind the teachers who have not taken attendance",
  params: Schema.Struct({ hour: Schema.Int.pipe(Schema.withDecodingDefaultKey(Effect.succeed(7))) }),
  run: (params, context) =>
    Effect.gen(function* () {
      yield* context.log(`reminding at ${params.hour}`)
      return { reminded: 0 }
    }),
})

const failing: Automation = {
  key: "always_fails",
  description: "Fails every time",
  params: Schema.Struct({}),
  run: () => Effect.fail(new AutomationError({ message: "nothing to do" })),
}

describe("automations in the registry", () => {
  it("lists each plugin's automations by key with their plugin", async () => {
    const registry = await Effect.runPromise(
      createRegistry([
        batchopsPlugin,
        definePlugin({ name: "campus", apiVersion: 1, automations: [reminders] }),
        definePlugin({ name: "tests", apiVersion: 1, automations: [failing] }),
      ]),
    )
    expect([...registry.automations.keys()]).toEqual(["send_reminders", "always_fails"])
    expect(registry.automations.get("send_reminders")).toMatchObject({ key: "send_reminders", plugin: "campus" })
    expect(registry.automations.get("always_fails")?.plugin).toBe("tests")
  })

  it("keeps the schema and run function it was given", async () => {
    const registry = await Effect.runPromise(
      createRegistry([definePlugin({ name: "campus", apiVersion: 1, automations: [reminders] })]),
    )
    const automation = registry.automations.get("send_reminders")!
    expect(Schema.decodeUnknownSync(automation.params)({})).toEqual({ hour: 7 })
    const lines: Array<string> = []
    const result = await Effect.runPromise(
      automation.run(
        { hour: 9 },
        {
          runId: "r1",
          jobId: null,
          trigger: "manual",
          log: (line) => Effect.sync(() => void lines.push(line)),
          step: () => Effect.void,
        },
      ) as Effect.Effect<unknown, unknown>,
    )
    expect(result).toEqual({ reminded: 0 })
    expect(lines).toEqual(["reminding at 9"])
  })

  it("refuses a key two plugins claim, naming both plugins", async () => {
    const error = await registryError([
      definePlugin({ name: "campus", apiVersion: 1, automations: [reminders] }),
      definePlugin({ name: "district", apiVersion: 1, automations: [{ ...reminders, description: "another" }] }),
    ])
    expect(error.plugin).toBe("district")
    expect(error.message).toContain('plugin "district"')
    expect(error.message).toContain('automation "send_reminders" is already defined by plugin "campus"')
  })

  it("refuses the same key twice in one plugin", async () => {
    const error = await registryError([
      definePlugin({ name: "campus", apiVersion: 1, automations: [reminders, reminders] }),
    ])
    expect(error.message).toContain('automation "send_reminders" is already defined by plugin "campus"')
  })

  it("refuses a key that is not a name, and an automation without schema or run", async () => {
    const badKey = await registryError([
      definePlugin({ name: "campus", apiVersion: 1, automations: [{ ...reminders, key: "no spaces" }] }),
    ])
    expect(badKey.message).toContain('automation key "no spaces" is not valid')
    const noSchema = await registryError([
      definePlugin({
        name: "campus",
        apiVersion: 1,
        automations: [{ ...reminders, params: undefined } as unknown as Automation],
      }),
    ])
    expect(noSchema.message).toContain('automation "send_reminders" needs a params schema and a run function')
  })

  it("says who may run an automation by hand: admins when it does not say, and refuses another word", async () => {
    expect(DEFAULT_MANUAL_RUN_ACCESS).toBe("admin")
    const byRole = (automation: Automation) =>
      (["user", "moderator", "admin"] as const).filter((role) => mayRunByHand(automation, role))
    expect(byRole(reminders)).toEqual(["admin"])
    expect(byRole({ ...reminders, runByHand: "moderator" })).toEqual(["moderator", "admin"])
    expect(byRole({ ...reminders, runByHand: "any" })).toEqual(["user", "moderator", "admin"])
    const registry = await Effect.runPromise(
      createRegistry([
        definePlugin({ name: "campus", apiVersion: 1, automations: [{ ...reminders, runByHand: "any" }] }),
      ]),
    )
    expect(registry.automations.get("send_reminders")?.runByHand).toBe("any")
    const wrong = await registryError([
      definePlugin({
        name: "campus",
        apiVersion: 1,
        automations: [{ ...reminders, runByHand: "teachers" } as unknown as Automation],
      }),
    ])
    expect(wrong.plugin).toBe("campus")
    expect(wrong.message).toContain('automation "send_reminders" has runByHand "teachers"')
  })
})
