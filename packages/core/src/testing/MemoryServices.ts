/**
 * In-memory versions of the services an automation reaches the outside world through: a
 * Mailer that records each message and an AutomationLedger that keeps its entries in a map.
 */
import { AutomationLedger, type LedgerEntry, Mailer, type MailMessage } from "@batchops/core"
import { Effect, Layer, Option } from "effect"

export interface MemoryMailer {
  readonly layer: Layer.Layer<Mailer>
  /** every message sent, in order */
  readonly sent: ReadonlyArray<MailMessage>
}

/** A Mailer that delivers nothing and records every message. */
export const memoryMailer = (): MemoryMailer => {
  const sent: Array<MailMessage> = []
  const layer = Layer.succeed(Mailer, {
    send: (message) =>
      Effect.sync(() => {
        sent.push({ to: [...message.to], subject: message.subject, text: message.text })
      }),
  })
  return { layer, sent }
}

export interface MemoryLedger {
  readonly layer: Layer.Layer<AutomationLedger>
  /** the entries claimed and not released, in claim order */
  readonly entries: () => ReadonlyArray<LedgerEntry>
}

/**
 * An AutomationLedger in a map: `claim` records a (scope, key) once and says whether it did.
 * Entries are dated by the run's Clock, so a fixed clock gives fixed dates.
 */
export const memoryLedger = (): MemoryLedger => {
  const entries = new Map<string, LedgerEntry>()
  const id = (scope: string, key: string) => JSON.stringify([scope, key])
  const layer = Layer.succeed(AutomationLedger, {
    claim: (entry) =>
      Effect.clockWith((clock) =>
        Effect.sync(() => {
          const at = id(entry.scope, entry.key)
          if (entries.has(at)) return false
          entries.set(at, {
            scope: entry.scope,
            key: entry.key,
            jobRunId: entry.jobRunId ?? null,
            data: { ...entry.data },
            createdAt: new Date(clock.currentTimeMillisUnsafe()).toISOString(),
          })
          return true
        }),
      ),
    release: (scope, key) => Effect.sync(() => entries.delete(id(scope, key))),
    annotate: (scope, key, data) =>
      Effect.sync(() => {
        const at = id(scope, key)
        const entry = entries.get(at)
        if (entry !== undefined) entries.set(at, { ...entry, data: { ...data } })
      }),
    get: (scope, key) => Effect.sync(() => Option.fromUndefinedOr(entries.get(id(scope, key)))),
  })
  return { layer, entries: () => [...entries.values()] }
}
