/**
 * `batchops create-admin --email E --password P [--username U]`: the first admin (and any
 * later one made from the server's shell). It uses the database the server uses (the same
 * environment), migrates first, and makes an active admin whose email counts as verified.
 * Missing flags are asked for when standard input is a terminal (the password without echo,
 * twice); otherwise they are a usage error (exit 2), so a script never hangs on a prompt.
 * An email that already has an account is refused (exit 1).
 */

import { createInterface } from "node:readline"
import { parseArgs } from "node:util"
import {
  AccountRefused,
  createAccount,
  isEmail,
  normalizeEmail,
  passwordProblems,
  usernameProblem,
} from "@batchops/accounts"
import { errorChainMessage } from "@batchops/core"
import { Cause, Effect, Logger } from "effect"
import { chooseDatabase } from "./Database.js"
import { lifecycleLayer, UsageError } from "./Host.js"

export interface CreateAdminOutput {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

export interface CreateAdminInput {
  /** standard input is a terminal (prompts allowed) */
  readonly interactive: boolean
  /** asks a question on the terminal; `hidden` does not echo the answer */
  readonly ask: (question: string, hidden: boolean) => Promise<string>
}

/** Asks on the terminal (standard error shows the question, so standard output stays clean). */
const askOnTerminal = (question: string, hidden: boolean): Promise<string> =>
  new Promise((resolve) => {
    const terminal = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    if (hidden) {
      const writer = terminal as unknown as { _writeToOutput: (text: string) => void }
      const original = writer._writeToOutput.bind(terminal)
      writer._writeToOutput = (text: string) => {
        // show the question and line ends, never the typed characters
        if (text.includes(question) || text === "\r\n" || text === "\n") original(text)
      }
    }
    terminal.question(question, (answer) => {
      terminal.close()
      if (hidden) process.stderr.write("\n")
      resolve(answer)
    })
  })

const terminalInput: CreateAdminInput = {
  interactive: process.stdin.isTTY === true,
  ask: askOnTerminal,
}

const parse = (args: ReadonlyArray<string>) => {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: false,
      strict: true,
      options: {
        email: { type: "string" },
        password: { type: "string" },
        username: { type: "string" },
      },
    }).values
  } catch (cause) {
    throw new UsageError((cause as Error).message)
  }
}

/** The flags, with what is missing asked for on a terminal; a UsageError when they are wrong. */
const gather = async (args: ReadonlyArray<string>, input: CreateAdminInput) => {
  const values = parse(args)
  const missing = (["email", "password"] as const).filter((name) => values[name] === undefined)
  if (missing.length > 0 && !input.interactive) {
    throw new UsageError(
      `create-admin needs ${missing.map((name) => `--${name}`).join(" and ")} (or run it in a terminal to be asked)`,
    )
  }
  const email = normalizeEmail(values.email ?? (await input.ask("Email: ", false)))
  if (!isEmail(email)) throw new UsageError(`"${email}" is not a valid email address`)
  const username = values.username
  if (username !== undefined) {
    const problem = usernameProblem(username)
    if (problem) throw new UsageError(`--username: ${problem}`)
  }
  let password = values.password
  if (password === undefined) {
    password = await input.ask("Password: ", true)
    const problems = passwordProblems(password, { email, username })
    if (problems.length > 0) throw new UsageError(problems.join("; "))
    if ((await input.ask("Password again: ", true)) !== password) throw new UsageError("the passwords do not match")
  }
  const problems = passwordProblems(password, { email, username })
  if (problems.length > 0) throw new UsageError(problems.join("; "))
  return { email, password, username }
}

/** `batchops create-admin`: 0 created, 1 refused (the email exists) or the database failed, 2 a usage error. */
export const runCreateAdmin = async (
  args: ReadonlyArray<string>,
  output: CreateAdminOutput,
  input: CreateAdminInput = terminalInput,
): Promise<number> => {
  const { email, password, username } = await gather(args, input)
  const env = process.env
  const program = createAccount({ email, password, username, role: "admin", emailVerified: true }).pipe(
    Effect.provide(lifecycleLayer(env)),
    Effect.provideService(Logger.LogToStderr, true),
  )
  const exit = await Effect.runPromiseExit(program)
  if (exit._tag === "Success") {
    const user = exit.value
    output.out(`created the admin ${user.username} (${user.email}): sign in with this email and password\n`)
    return 0
  }
  const failure = Cause.squash(exit.cause)
  if (failure instanceof AccountRefused) {
    if (failure.status === 400) throw new UsageError(failure.message)
    output.err(`batchops create-admin: ${failure.message}\n`)
    return 1
  }
  output.err(`batchops create-admin: ${chooseDatabase(env).describe}: ${errorChainMessage(failure)}\n`)
  return 1
}
