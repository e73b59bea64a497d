/**
 * Rate limits on sign-in, verification and reset: every attempt counts, per account (the
 * email, in lower case) and per client address, in the database (every server process sees
 * the same counts). Over either limit the answer is a 429 with Retry-After; it does not say
 * whether the email has an account (an unknown email is counted the same way).
 */
import { RateLimits } from "@batchops/core"
import { Effect } from "effect"
import { tooManyRequests } from "../Api.js"
import { AuthSettings } from "./Settings.js"

export type LimitedAction = "login" | "verify" | "reset"

const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000))

/** Counts this attempt; fails with a 429 when the account or the address has had too many. */
export const limitAttempts = (action: LimitedAction, email: string | undefined, ip: string) =>
  Effect.gen(function* () {
    const limits = yield* RateLimits
    const settings = yield* AuthSettings
    const counts = [
      { count: yield* limits.hit(`${action}:address:${ip}`, settings.windowMs), max: settings.addressLimit },
    ]
    const account = email?.trim().toLowerCase()
    if (account) {
      counts.push({
        count: yield* limits.hit(`${action}:email:${account}`, settings.windowMs),
        max: settings.accountLimit,
      })
    }
    const over = counts.filter(({ count, max }) => count.count > max)
    if (over.length === 0) return
    const waitMs = Math.max(...over.map(({ count }) => count.resetInMs))
    return yield* tooManyRequests(
      `too many attempts: wait ${minutes(waitMs)} minute${minutes(waitMs) === 1 ? "" : "s"} and try again`,
      waitMs / 1000,
    )
  })
