/**
 * The `batchops` entry, in process: the usage text is built from the commands' declarations
 * (every command, argument and option shows, with its summary), --version answers the
 * package's version, and every command's wrong arguments take the one usage-error path.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { paragraph, usageLines } from "../src/cli/Command.js"
import { commands, run } from "../src/cli.js"

const answer = async (argv: ReadonlyArray<string>) => {
  let stdout = ""
  let stderr = ""
  const code = await run(argv, { out: (text) => (stdout += text), err: (text) => (stderr += text) })
  return { code, stdout, stderr }
}

/** The lines of the usage text that show `name`: its line and the ones that continue it. */
const usageOf = (help: string, name: string): string => {
  const lines = help.split("\n")
  const start = lines.findIndex((line) => line.startsWith(`  batchops ${name} `) || line === `  batchops ${name}`)
  if (start < 0) return ""
  const end = lines.findIndex((line, i) => i > start && !line.startsWith(" ".repeat(12)))
  return lines.slice(start, end).join("\n")
}

describe("batchops --help", () => {
  it("shows every declared command with its argument and every option, and what each does", async () => {
    const { code, stdout, stderr } = await answer(["--help"])
    expect(code).toBe(0)
    expect(stderr).toBe("")
    expect(commands.map((command) => command.name)).toEqual([
      "serve",
      "process",
      "migrate",
      "submit",
      "worker",
      "scheduler",
      "show",
      "retry",
      "approve",
      "reject",
      "create-admin",
      "backup",
      "restore",
    ])
    for (const command of commands) {
      const usage = usageOf(stdout, command.name)
      expect(usage, command.name).not.toBe("")
      if (command.argument) expect(usage, command.name).toContain(`batchops ${command.name} ${command.argument.name}`)
      const options = Object.entries(command.options)
      expect(options.length, command.name).toBeGreaterThan(0)
      for (const [name, option] of options) {
        const flag = option.negated ? `--no-${name}` : `--${name}`
        const shown = option.value === undefined ? flag : `${flag} ${option.value}`
        expect(usage, `${command.name} ${flag}`).toContain(option.required ? ` ${shown}` : `[${shown}]`)
      }
      expect(stdout, command.name).toContain(`\n\n${paragraph(command.summary)}\n\n`)
    }
    expect(stdout).toContain("  batchops --help | --version\n")
    expect(stdout).toMatch(/\n\nExit status: 0 published .*\n$/s)
  })

  it("wraps a long usage under the command's argument, within 100 columns", async () => {
    const process = commands.find((command) => command.name === "process")!
    expect(usageLines(process)).toEqual([
      "  batchops process <file> [--plan transform|append|delete|custom] [--config <json>|@<path>]",
      "                          [--profile gradebook|attendance|roster|generic|auto] [--out <dir>]",
      "                          [--max-change <share>] [--json]",
    ])
    const { stdout } = await answer(["--help"])
    for (const line of stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(100)
  })

  it("is the same text for -h, help, `<command> --help`, and without a command (then exit 2)", async () => {
    const help = (await answer(["--help"])).stdout
    expect((await answer(["-h"])).stdout).toBe(help)
    expect((await answer(["help"])).stdout).toBe(help)
    for (const command of commands) {
      const own = await answer([command.name, "--help"])
      expect(own, command.name).toEqual({ code: 0, stdout: help, stderr: "" })
    }
    expect(await answer([])).toEqual({ code: 2, stdout: help, stderr: "" })
  })
})

describe("batchops --version", () => {
  it("answers the version in packages/server/package.json", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    expect(version).toMatch(/^\d+\.\d+\.\d+/)
    expect(await answer(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" })
    expect(await answer(["-v"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" })
  })
})

describe("usage errors (exit 2), one path for every command", () => {
  it.each(commands.map((command) => command.name))("%s: an unknown option, with and without --json", async (name) => {
    const json = await answer([name, "--colour", "--json"])
    expect(json.code).toBe(2)
    expect(json.stderr).toBe("")
    expect(JSON.parse(json.stdout)).toEqual({ status: "error", error: "Unknown option '--colour'" })
    const text = await answer([name, "--colour"])
    expect(text.code).toBe(2)
    expect(text.stdout).toBe("")
    expect(text.stderr).toBe(`batchops: Unknown option '--colour'\n\n${(await answer(["--help"])).stdout}`)
  })

  it.each(commands.filter((command) => command.argument).map((command) => [command.name, command.argument!] as const))(
    "%s: its argument missing, or two of them",
    async (name, argument) => {
      const missing = await answer([name, "--json"])
      expect(missing.code).toBe(2)
      expect(JSON.parse(missing.stdout).error).toBe(`missing ${argument.missing}`)
      const two = await answer([name, "a", "b", "--json"])
      expect(two.code).toBe(2)
      expect(JSON.parse(two.stdout).error).toBe(`one ${argument.one} at a time (got 2)`)
    },
  )

  it.each(commands.filter((command) => !command.argument).map((command) => command.name))(
    "%s: takes no argument",
    async (name) => {
      const result = await answer([name, "extra", "--json"])
      expect(result.code).toBe(2)
      expect(JSON.parse(result.stdout).error).toMatch(/^Unexpected argument 'extra'/)
    },
  )

  it("an option without its value, and an unknown command", async () => {
    const plan = await answer(["process", "x.csv", "--json", "--plan"])
    expect(plan.code).toBe(2)
    expect(JSON.parse(plan.stdout).error).toMatch(/^Option '--plan <value>' argument missing/)
    const unknown = await answer(["frobnicate", "--json"])
    expect(unknown.code).toBe(2)
    expect(JSON.parse(unknown.stdout)).toEqual({ status: "error", error: 'unknown command "frobnicate"' })
  })
})
