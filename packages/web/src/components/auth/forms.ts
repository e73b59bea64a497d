/**
 * What the sign-in screens share: the server's short lower-case messages as sentences, the
 * checks a form can make before asking the server, where to go after signing in (only a path
 * of this site), and the server's refusal split into what belongs next to each field and the
 * rest.
 */
import { ApiProblem } from "../../api/client"
import { messageOf } from "../ui"

/** `the code is not valid` -> `The code is not valid.` */
export const sentence = (text: string): string => {
  const trimmed = text.trim()
  if (trimmed === "") return trimmed
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1)
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** What is wrong with an email address typed into a form, if anything. */
export const emailProblem = (email: string): string | undefined => {
  const value = email.trim()
  if (value === "") return "Enter your email address."
  if (value.length > 254 || !EMAIL.test(value)) return "Enter an email address like name@school.org."
  return undefined
}

/** What is wrong with an emailed code, if anything (the server mails 6 digits). */
export const codeProblem = (code: string): string | undefined => {
  const value = code.trim()
  if (value === "") return "Enter the 6-digit code from the email."
  if (!/^\d{6}$/.test(value)) return "The code is 6 digits, as in the email."
  return undefined
}

export const MIN_PASSWORD = 10

/** The password rules the server checks, as a hint next to a new password. */
export const PASSWORD_RULES =
  "At least 10 characters, not only digits, not a common password (such as Password12), and not your email address or username."

/** What is wrong with a new password before the server checks the rest, if anything. */
export const newPasswordProblem = (password: string): string | undefined => {
  if (password === "") return "Choose a new password."
  if ([...password].length < MIN_PASSWORD) return `The password must be at least ${MIN_PASSWORD} characters long.`
  if (/^\d+$/.test(password)) return "The password must not be only digits."
  return undefined
}

/** What is wrong with the new password typed again, if anything. */
export const confirmationProblem = (password: string, confirmation: string): string | undefined =>
  confirmation === ""
    ? "Type the new password again."
    : confirmation !== password
      ? "The two passwords are not the same."
      : undefined

/**
 * Where to go after signing in: `next` when it is a path of this site (`/runs?x=1`), never
 * another site (`//evil.example`, `https://...`, `/\evil`) and never back to the sign-in screens.
 */
export const safeNext = (next: string | undefined | null): string => {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/"
  try {
    const base = "https://batchops.invalid"
    const url = new URL(next, base)
    if (url.origin !== base) return "/"
    if (["/sign-in", "/verify-email", "/forgot-password"].includes(url.pathname)) return "/"
    return `${url.pathname}${url.search}${url.hash}`
  } catch {
    return "/"
  }
}

/** The server's refusal: each named field's message (as a sentence) and one message for the rest. */
export const splitProblem = <F extends string>(
  error: unknown,
  fields: ReadonlyArray<F>,
): { fields: Partial<Record<F, string>>; general: string | undefined } => {
  if (!(error instanceof ApiProblem)) return { fields: {}, general: sentence(messageOf(error)) }
  const out: Partial<Record<F, string>> = {}
  for (const name of fields) {
    const message = error.field(name)
    if (message) out[name] = sentence(message)
  }
  const named = Object.keys(out).length > 0
  const unnamed = error.fields.some(
    (field) => !fields.some((name) => field.path === name || field.path.startsWith(`${name}.`)),
  )
  // the message repeats the field's own when every problem sits next to its field
  return { fields: out, general: named && !unnamed ? undefined : sentence(error.message) }
}

export const INVALID_CODE = "This code is not valid or has expired. Check the email, or ask for a new code."

/**
 * How the code screens (verify, reset) read a refusal: a code the server did not take, or the
 * problems to show next to `fields` and the rest in words (a rate limit says to wait).
 */
export const codeRefusal = <F extends string>(
  error: unknown,
  fields: ReadonlyArray<F>,
):
  | { readonly invalidCode: true }
  | { readonly invalidCode: false; fields: Partial<Record<F, string>>; general: string | undefined } => {
  if (error instanceof ApiProblem && error.code === "invalid_code") return { invalidCode: true }
  const { fields: named, general } = splitProblem(error, fields)
  const limited = error instanceof ApiProblem && error.status === 429
  return {
    invalidCode: false,
    fields: named,
    general: limited ? `Too many attempts. ${sentence(error.message)}` : general,
  }
}

/** The value of one query parameter of the address (preact-iso's `query`), as a string. */
export const queryValue = (query: Record<string, string | undefined> | undefined, name: string): string =>
  typeof query?.[name] === "string" ? (query[name] as string) : ""
