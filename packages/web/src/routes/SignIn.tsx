/**
 * Signing in: email and password, each checked next to its field before the server is asked;
 * the server's refusal in words (a wrong email or password, an email still to verify with a
 * link to verify it, a deactivated account, too many attempts). Signed in, the app goes where
 * the visitor was going (`?next=`, a path of this site only) or to the dashboard.
 */
import "./auth.css"
import { useRef, useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { ApiProblem, answerOf, client } from "../api/client"
import { emailProblem, queryValue, safeNext, sentence, splitProblem } from "../components/auth/forms"
import { Alert, Button, Field, Page } from "../components/ui"
import { type Account, session, signIn } from "../state/session"

interface LoginAnswer {
  readonly token: string
  readonly expires_at: string
  readonly user: Account
}

/** Messages another screen leaves for this one (`?notice=`). */
const NOTICES: Readonly<Record<string, string>> = {
  verified:
    "Your email is verified. Sign in with your password. If your account was made without one, choose it with “Forgot your password?”.",
  reset: "Your password is changed. Sign in with your new password.",
}

type Refusal =
  | { readonly kind: "unverified"; readonly message: string }
  | { readonly kind: "other"; readonly message: string }

export const SignInForm = ({
  initialEmail = "",
  onSignedIn,
  onEmailChange,
}: {
  initialEmail?: string
  onSignedIn: (answer: LoginAnswer) => void
  /** the email as it is typed (the screen's links carry it) */
  onEmailChange?: (email: string) => void
}) => {
  const [email, setEmail] = useState(initialEmail)
  const [password, setPassword] = useState("")
  const [errors, setErrors] = useState<{ email?: string | undefined; password?: string | undefined }>({})
  const [refusal, setRefusal] = useState<Refusal | null>(null)
  const [busy, setBusy] = useState(false)
  const emailInput = useRef<HTMLInputElement>(null)
  const passwordInput = useRef<HTMLInputElement>(null)

  const submit = async (event: Event) => {
    event.preventDefault()
    const found = {
      email: emailProblem(email),
      password: password === "" ? "Enter your password." : undefined,
    }
    setErrors(found)
    setRefusal(null)
    if (found.email || found.password) {
      ;(found.email ? emailInput : passwordInput).current?.focus()
      return
    }
    setBusy(true)
    try {
      const answer: LoginAnswer = await answerOf(
        client.POST("/api/auth/login/", { body: { email: email.trim(), password } }),
      )
      onSignedIn(answer)
    } catch (error) {
      const { fields, general } = splitProblem(error, ["email", "password"])
      setErrors(fields)
      if (error instanceof ApiProblem && error.code === "email_not_verified") {
        setRefusal({ kind: "unverified", message: "Verify your email address before signing in." })
      } else if (error instanceof ApiProblem && error.code === "invalid_credentials") {
        setRefusal({ kind: "other", message: "The email or the password is not right. Check both and try again." })
        setPassword("")
        passwordInput.current?.focus()
      } else if (error instanceof ApiProblem && error.status === 429) {
        setRefusal({ kind: "other", message: `Too many sign-in attempts. ${sentence(error.message)}` })
      } else if (general) {
        setRefusal({ kind: "other", message: general })
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="auth-form" noValidate onSubmit={submit} aria-label="Sign in">
      <Field label="Email" error={errors.email}>
        {(props) => (
          <input
            {...props}
            ref={emailInput}
            type="email"
            name="email"
            autoComplete="username"
            inputMode="email"
            value={email}
            onInput={(event) => {
              setEmail(event.currentTarget.value)
              onEmailChange?.(event.currentTarget.value.trim())
              if (errors.email) setErrors((previous) => ({ ...previous, email: undefined }))
            }}
          />
        )}
      </Field>
      <Field label="Password" error={errors.password}>
        {(props) => (
          <input
            {...props}
            ref={passwordInput}
            type="password"
            name="password"
            autoComplete="current-password"
            value={password}
            onInput={(event) => {
              setPassword(event.currentTarget.value)
              if (errors.password) setErrors((previous) => ({ ...previous, password: undefined }))
            }}
          />
        )}
      </Field>
      {refusal ? (
        <Alert>
          {refusal.message}
          {refusal.kind === "unverified" ? (
            <>
              {" "}
              <a href={`/verify-email?email=${encodeURIComponent(email.trim())}`}>Verify your email</a> with a code we
              email you, then sign in.
            </>
          ) : null}
        </Alert>
      ) : null}
      <div class="form-actions">
        <Button type="submit" busy={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </div>
    </form>
  )
}

export default function SignIn() {
  const { query, route } = useLocation()
  const [email, setEmail] = useState(queryValue(query, "email").trim())
  const notice = NOTICES[queryValue(query, "notice")]
  const next = queryValue(query, "next")
  const current = session.value
  const withEmail = (path: string, typed: string) => (typed ? `${path}?email=${encodeURIComponent(typed)}` : path)

  return (
    <Page title="Sign in">
      <p class="auth-intro muted">Sign in to the BatchOps control room with your school email address.</p>
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      {current ? (
        <Alert kind="info">
          You are signed in as {current.user.username}. <a href={safeNext(next)}>Continue to BatchOps</a>
        </Alert>
      ) : null}
      <SignInForm
        initialEmail={email}
        onEmailChange={setEmail}
        onSignedIn={(answer) => {
          signIn({ token: answer.token, user: answer.user })
          route(safeNext(next))
        }}
      />
      <ul class="auth-links">
        <li>
          <a href={withEmail("/forgot-password", email)}>Forgot your password?</a>
        </li>
        <li>
          <a href={withEmail("/verify-email", email)}>Verify your email address</a>
        </li>
      </ul>
    </Page>
  )
}
