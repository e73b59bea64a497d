/**
 * A `batchops` command's declaration (its name, summary, argument and options, written once)
 * and what is built from it: the reading of its arguments and its lines of the usage text.
 */
import { parseArgs } from "node:util"
import { UsageError } from "../Host.js"

/** Where a command writes: standard output and standard error. */
export interface Output {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

export const stdio: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

export interface OptionDeclaration {
  readonly type: "string" | "boolean"
  /** the value as the usage shows it: `<dir>`, `transform|append|delete|custom` */
  readonly value?: string
  /** shown without brackets; the command itself says what is missing */
  readonly required?: boolean
  /** a boolean that is on unless `--no-<name>` says otherwise (the usage shows that form) */
  readonly negated?: boolean
}

/** The one argument a command takes besides its options. */
export interface ArgumentDeclaration {
  /** as the usage shows it: `<file>` */
  readonly name: string
  /** what the usage error says is missing: `the file to process` */
  readonly missing: string
  /** what comes one at a time: `file` */
  readonly one: string
}

export type OptionDeclarations = Readonly<Record<string, OptionDeclaration>>

/** The options' values as given (absent when not given). */
export type OptionValues<O extends OptionDeclarations> = {
  readonly [K in keyof O]?: O[K]["type"] extends "string" ? string : boolean
}

export interface CommandInput<O extends OptionDeclarations> {
  readonly values: OptionValues<O>
  /** the argument (the empty string when the command takes none) */
  readonly argument: string
  /** the arguments as given, after the command's name */
  readonly args: ReadonlyArray<string>
}

export interface Command<O extends OptionDeclarations = OptionDeclarations> {
  readonly name: string
  /** one paragraph of the usage text: what the command does */
  readonly summary: string
  readonly argument?: ArgumentDeclaration
  readonly options: O
  /** runs the command; a UsageError it throws is a usage error (exit 2) */
  run(input: CommandInput<O>, output: Output): Promise<number>
  /** what another failure prints (it exits 1); without it, the failure is thrown */
  failed?(error: unknown, output: Output, json: boolean): number
}

/** A command's declaration, its options' names and types kept for its `run`. */
export const defineCommand = <const O extends OptionDeclarations>(command: Command<O>): Command<O> => command

/**
 * Reads `args` as `command` declares them. Node's message for a wrong option is the usage
 * error, without its advice on positionals starting with a dash (no command takes those).
 */
export const parseCommandArgs = <O extends OptionDeclarations>(
  command: Command<O>,
  args: ReadonlyArray<string>,
): CommandInput<O> => {
  const declared = Object.entries(command.options)
  let parsed: { values: Record<string, unknown>; positionals: Array<string> }
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: command.argument !== undefined,
      allowNegative: declared.some(([, option]) => option.negated === true),
      options: Object.fromEntries(declared.map(([name, option]) => [name, { type: option.type }])),
    })
  } catch (cause) {
    throw new UsageError((cause as Error).message.replace(/\. To specify a positional.*$/s, ""))
  }
  const { positionals } = parsed
  const { argument } = command
  if (argument !== undefined) {
    if (positionals.length === 0) throw new UsageError(`missing ${argument.missing}`)
    if (positionals.length > 1) throw new UsageError(`one ${argument.one} at a time (got ${positionals.length})`)
  }
  return { values: parsed.values as OptionValues<O>, argument: positionals[0] ?? "", args }
}

/** The usage text's width: a usage line wraps before it, under the command's argument. */
const USAGE_WIDTH = 100

/** The command's usage (`  batchops name <argument> [--option <value>] ...`), wrapped. */
export const usageLines = (command: Command): Array<string> => {
  const head = `  batchops ${command.name}${command.argument ? ` ${command.argument.name}` : ""}`
  const indent = " ".repeat(head.length + 1)
  const lines: Array<string> = []
  let line = head
  let empty = true
  for (const [name, option] of Object.entries(command.options)) {
    const flag = option.negated ? `--no-${name}` : `--${name}`
    const shown = option.value === undefined ? flag : `${flag} ${option.value}`
    const token = option.required ? shown : `[${shown}]`
    if (!empty && line.length + 1 + token.length > USAGE_WIDTH) {
      lines.push(line)
      line = indent + token
    } else line = `${line} ${token}`
    empty = false
  }
  lines.push(line)
  return lines
}

/** The width the paragraphs of the usage text are wrapped to. */
const TEXT_WIDTH = 93

/**
 * `text` (its spaces and line ends as one space) wrapped to the usage text's width; a
 * placeholder such as `<data dir>` stays on one line.
 */
export const paragraph = (text: string): string => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.match(/(?:<[^<>]*>|\S)+/g) ?? []) {
    if (line !== "" && line.length + 1 + word.length > TEXT_WIDTH) {
      lines.push(line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  lines.push(line)
  return lines.join("\n")
}

/** The usage text: every command's usage, then what each does, then `closing`. */
export const usageText = (commands: ReadonlyArray<Command>, closing: string): string =>
  [
    ["Usage:", ...commands.flatMap(usageLines), "  batchops --help | --version"].join("\n"),
    ...commands.map((command) => paragraph(command.summary)),
    paragraph(closing),
  ].join("\n\n")
