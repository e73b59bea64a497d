/** How the long-lived commands (`worker`, `scheduler`) run and stop. */
import { causeMessage } from "@batchops/core"
import { Cause, Effect, Fiber } from "effect"
import type { Output } from "./Command.js"

/**
 * Runs a long-lived command's program until it ends or SIGINT/SIGTERM interrupts it (0; the
 * work in hand goes back to the queue); a second signal does not wait for that. A failure is
 * one line naming the database (1).
 */
export const runUntilStopped = async (
  program: Effect.Effect<void, unknown>,
  options: {
    readonly command: string
    readonly stopping: string
    readonly database: string
    readonly json: boolean
    readonly output: Output
  },
): Promise<number> => {
  const { output } = options
  const fiber = Effect.runFork(program)
  let stopping = false
  const stop = () => {
    if (stopping) process.exit(1)
    stopping = true
    if (!options.json) output.err(options.stopping)
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
  try {
    const exit = await Effect.runPromise(Fiber.await(fiber))
    if (exit._tag === "Success" || Cause.hasInterruptsOnly(exit.cause)) return 0
    const message = causeMessage(exit.cause)
    if (options.json) output.out(`${JSON.stringify({ status: "error", database: options.database, error: message })}\n`)
    else output.err(`batchops ${options.command}: ${options.database}: ${message}\n`)
    return 1
  } finally {
    process.off("SIGINT", stop)
    process.off("SIGTERM", stop)
  }
}
