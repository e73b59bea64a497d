/**
 * Run an automation as a job would, with an in-memory Mailer and AutomationLedger and a clock
 * fixed at one instant, and get back its result, its log and steps, the mail it sent and what
 * it claimed in the ledger.
 */
import {
  type Automation,
  type AutomationContext,
  AutomationError,
  type AutomationResult,
  type LedgerEntry,
  type MailMessage,
} from "@batchops/core"
import { Clock, Effect, Layer, Schema } from "effect"
import { type MemoryLedger, type MemoryMailer, memoryLedger, memoryMailer } from "./MemoryServices.js"

/** The instant the automation runner's clock shows unless told otherwise: a Monday morning of term. */
export const TEST_NOW = "2024-09-02T08:00:00.000Z"

export interface AutomationOptions {
  /** what the clock shows for the whole run (default TEST_NOW) */
  readonly now?: Date | string | number
  /** the mailer to use (default: a fresh one); pass one to look at it across runs */
  readonly mailer?: MemoryMailer
  /** the ledger to use (default: a fresh one); pass one to run twice against the same ledger */
  readonly ledger?: MemoryLedger
  /** the other services the automation uses (a DepartmentsRepo...), as a layer */
  // biome-ignore lint/suspicious/noExplicitAny: any of the automation services, whichever the test provides
  readonly services?: Layer.Layer<any>
  readonly runId?: string
  readonly jobId?: string | null
  /** what started the run (default `schedule`) */
  readonly trigger?: AutomationContext["trigger"]
}

export interface AutomationRun {
  /** what `run` returned; undefined when it failed */
  readonly result: AutomationResult | undefined
  /** its failure: an AutomationError of its own, or one saying which parameter was refused */
  readonly error: AutomationError | undefined
  readonly log: ReadonlyArray<string>
  readonly steps: ReadonlyArray<{ readonly name: string; readonly details: Readonly<Record<string, unknown>> }>
  /** every message sent through the Mailer during the run (and before it, with a mailer passed in) */
  readonly sent: ReadonlyArray<MailMessage>
  /** the ledger's entries after the run */
  readonly ledger: ReadonlyArray<LedgerEntry>
}

/** A clock that always shows one instant; sleeping returns at once. */
export const fixedClock = (now: Date | string | number): Clock.Clock => {
  const millis = new Date(now).getTime()
  if (Number.isNaN(millis)) throw new RangeError(`fixedClock: ${String(now)} is not a date`)
  const nanos = BigInt(millis) * 1_000_000n
  return {
    currentTimeMillisUnsafe: () => millis,
    currentTimeMillis: Effect.succeed(millis),
    currentTimeNanosUnsafe: () => nanos,
    currentTimeNanos: Effect.succeed(nanos),
    monotonicTimeNanosUnsafe: () => nanos,
    monotonicTimeNanos: Effect.succeed(nanos),
    sleep: () => Effect.void,
  }
}

/**
 * Decode `params` with the automation's schema (filling defaults) and run it. Resolves with the
 * outcome, failed or not; a service the automation needs and the test did not provide rejects
 * (a mistake in the test, not in the automation).
 */
export const runAutomation = <P>(
  automation: Automation<P>,
  params: unknown = {},
  options: AutomationOptions = {},
): Promise<AutomationRun> => {
  const mailer = options.mailer ?? memoryMailer()
  const ledger = options.ledger ?? memoryLedger()
  const log: Array<string> = []
  const steps: Array<{ name: string; details: Readonly<Record<string, unknown>> }> = []
  const context: AutomationContext = {
    runId: options.runId ?? "test-run",
    jobId: options.jobId === undefined ? "test-job" : options.jobId,
    trigger: options.trigger ?? "schedule",
    log: (line) => Effect.sync(() => void log.push(line)),
    step: (name, details = {}) => Effect.sync(() => void steps.push({ name, details })),
  }
  const decoded = Schema.decodeUnknownEffect(automation.params)(params).pipe(
    Effect.mapError((error) => new AutomationError({ message: `parameters refused: ${error.message}` })),
  )
  const services = Layer.mergeAll(mailer.layer, ledger.layer, options.services ?? Layer.empty)
  // Only the services the test provides are there: an automation using another one dies
  // with the service named, a mistake in the test rather than a failure of the automation.
  const program = Effect.flatMap(decoded, (decodedParams) => automation.run(decodedParams, context)).pipe(
    Effect.provide(services),
  ) as Effect.Effect<AutomationResult, AutomationError>
  return Effect.runPromise(
    program.pipe(
      Effect.provideService(Clock.Clock, fixedClock(options.now ?? TEST_NOW)),
      Effect.result,
      Effect.map((outcome) => ({
        result: outcome._tag === "Success" ? outcome.success : undefined,
        error: outcome._tag === "Failure" ? outcome.failure : undefined,
        log,
        steps,
        sent: mailer.sent,
        ledger: ledger.entries(),
      })),
    ),
  )
}
