/**
 * Passwords and one-time codes: hashed with scrypt (node:crypto) and a random salt, the
 * parameters stored with the hash so they can be raised later without breaking old hashes,
 * and compared in constant time. A 6-digit code has only a million values, so a fast hash
 * of it could be reversed from a copy of the database in moments; scrypt makes each guess
 * cost, and a code is short-lived and single-use anyway.
 *
 * Format: `scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<hash, base64url>`.
 */
import { randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto"
import { Effect } from "effect"
import { isCommonPassword } from "./CommonPasswords.js"

export interface ScryptParams {
  /** log2 of the CPU/memory cost N */
  readonly logN: number
  readonly r: number
  readonly p: number
}

/** Passwords: N = 2^15 (32 MiB, tens of milliseconds). */
export const PASSWORD_PARAMS: ScryptParams = { logN: 15, r: 8, p: 1 }
/** Codes live 15 minutes and allow 5 attempts: a lighter cost is enough. */
export const CODE_PARAMS: ScryptParams = { logN: 14, r: 8, p: 1 }

const KEY_LENGTH = 32

const derive = (secret: string, salt: Buffer, params: ScryptParams) =>
  Effect.callback<Buffer>((resume) => {
    const N = 2 ** params.logN
    scrypt(
      secret.normalize("NFC"),
      salt,
      KEY_LENGTH,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + (1 << 20) },
      (error, key) => resume(error ? Effect.die(error) : Effect.succeed(key)),
    )
  })

/** The stored form of a secret: a fresh salt, the parameters and the derived key. */
export const hashSecret = (secret: string, params: ScryptParams = PASSWORD_PARAMS): Effect.Effect<string> =>
  Effect.gen(function* () {
    const salt = randomBytes(16)
    const key = yield* derive(secret, salt, params)
    return ["scrypt", params.logN, params.r, params.p, salt.toString("base64url"), key.toString("base64url")].join("$")
  })

/** Whether `secret` matches the stored hash; false for a hash this code did not make. */
export const verifySecret = (secret: string, stored: string): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    const parts = stored.split("$")
    if (parts.length !== 6 || parts[0] !== "scrypt") return false
    const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
    if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 20 || r > 32 || p > 16) return false
    const salt = Buffer.from(parts[4]!, "base64url")
    const expected = Buffer.from(parts[5]!, "base64url")
    if (expected.length !== KEY_LENGTH) return false
    const key = yield* derive(secret, salt, { logN, r, p })
    return timingSafeEqual(key, expected)
  })

let dummyPassword: string | undefined
/**
 * Checks a password against a hash of nothing anyone knows: an unknown email takes as long
 * to refuse as a wrong password, so the time of the answer does not tell whether the
 * account exists.
 */
export const verifyAgainstNothing = (secret: string, params: ScryptParams = PASSWORD_PARAMS) =>
  Effect.gen(function* () {
    dummyPassword ??= yield* hashSecret(randomBytes(16).toString("hex"), params)
    yield* verifySecret(secret, dummyPassword)
    return false
  })

/** A 6-digit code from the system's cryptographic randomness (leading zeros kept). */
export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, "0")

export const MIN_PASSWORD_LENGTH = 10
export const MAX_PASSWORD_LENGTH = 200

/**
 * What is wrong with a new password, for the person choosing it (empty when it is fine): at
 * least 10 characters, at most 200, not only digits, not one of the common passwords
 * attackers try first (`Password12`), and not the account's email, the name before its @,
 * or its username.
 */
export const passwordProblems = (
  password: string,
  account: { readonly email?: string | undefined; readonly username?: string | undefined },
): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const length = [...password].length
  if (length < MIN_PASSWORD_LENGTH)
    problems.push(`the password must be at least ${MIN_PASSWORD_LENGTH} characters long`)
  if (length > MAX_PASSWORD_LENGTH) problems.push(`the password must be at most ${MAX_PASSWORD_LENGTH} characters long`)
  if (/^\d+$/.test(password)) problems.push("the password must not be only digits")
  else if (length >= MIN_PASSWORD_LENGTH && isCommonPassword(password, MIN_PASSWORD_LENGTH)) {
    problems.push(
      "this password is on a list of common passwords that attackers try first: choose another, for example a few unrelated words",
    )
  }
  const same = (other: string | undefined) =>
    other !== undefined && other.trim() !== "" && password.trim().toLowerCase() === other.trim().toLowerCase()
  const email = account.email
  if (same(email) || same(email?.split("@")[0])) problems.push("the password must not be your email address")
  if (same(account.username)) problems.push("the password must not be your username")
  return problems
}
