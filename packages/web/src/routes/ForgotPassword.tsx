/**
 * Choosing a new password: ask for a code by email (the server answers the same whether or not
 * the email has an account, so this screen says "if an account exists"), then the 6-digit code
 * and the new password twice. The server's password rules come back next to the password; a
 * wrong or expired code next to the code. Done, the app goes to sign in with a message.
 */
import "./auth.css"
import { useEffect, useRef, useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { answerOf, client } from "../api/client"
import { AskForCode } from "../components/auth/AskForCode"
import { CodeField } from "../components/auth/CodeField"
import {
  codeProblem,
  codeRefusal,
  confirmationProblem,
  emailProblem,
  INVALID_CODE,
  newPasswordProblem,
  queryValue,
} from "../components/auth/forms"
import { NewPasswordFields } from "../components/auth/NewPasswordFields"
import { Alert, Button, Page } from "../components/ui"

type Errors = {
  email?: string | undefined
  code?: string | undefined
  password?: string | undefined
  confirm?: string | undefined
}

export default function ForgotPassword() {
  const { query, route } = useLocation()
  const [email, setEmail] = useState(queryValue(query, "email"))
  const [code, setCode] = useState("")
  const [password, setPassword] = useState("")
  const [confirmation, setConfirmation] = useState("")
  const [step, setStep] = useState<"email" | "reset">("email")
  const [sent, setSent] = useState(false)
  const [errors, setErrors] = useState<Errors>({})
  const [problem, setProblem] = useState<string | undefined>()
  const [busy, setBusy] = useState<"send" | "reset" | null>(null)
  const emailInput = useRef<HTMLInputElement>(null)
  const codeInput = useRef<HTMLInputElement>(null)
  const passwordInput = useRef<HTMLInputElement>(null)
  const confirmInput = useRef<HTMLInputElement>(null)

  const opened = useRef(false)
  useEffect(() => {
    // a step's first field takes the focus (not the email's on opening: the heading has it)
    if (step === "reset") codeInput.current?.focus()
    else if (opened.current) emailInput.current?.focus()
    opened.current = true
  }, [step])

  const refused = (error: unknown) => {
    const refusal = codeRefusal(error, ["email", "code", "password"])
    if (refusal.invalidCode) {
      setErrors({ code: INVALID_CODE })
      codeInput.current?.focus()
      return
    }
    setErrors(refusal.fields)
    if (refusal.fields.password) passwordInput.current?.focus()
    setProblem(refusal.general)
  }

  const send = async (event?: Event) => {
    event?.preventDefault()
    const found = emailProblem(email)
    setErrors({ email: found })
    setProblem(undefined)
    if (found) {
      emailInput.current?.focus()
      return
    }
    setBusy("send")
    try {
      await answerOf(client.POST("/api/auth/forgot/", { body: { email: email.trim() } }))
      setSent(true)
      setStep("reset")
    } catch (error) {
      refused(error)
    } finally {
      setBusy(null)
    }
  }

  const reset = async (event: Event) => {
    event.preventDefault()
    const found: Errors = {
      code: codeProblem(code),
      password: newPasswordProblem(password),
      confirm: confirmationProblem(password, confirmation),
    }
    setErrors(found)
    setProblem(undefined)
    const first = found.code ? codeInput : found.password ? passwordInput : found.confirm ? confirmInput : null
    if (first) {
      first.current?.focus()
      return
    }
    setBusy("reset")
    try {
      await answerOf(client.POST("/api/auth/reset/", { body: { email: email.trim(), code: code.trim(), password } }))
      route(`/sign-in?email=${encodeURIComponent(email.trim())}&notice=reset`)
    } catch (error) {
      refused(error)
    } finally {
      setBusy(null)
    }
  }

  return (
    <Page title="Forgot password">
      <p class="auth-intro muted">
        We email you a 6-digit code; with it you choose a new password. It also verifies your email address.
      </p>
      {step === "email" ? (
        <AskForCode
          label="Ask for a reset code"
          email={email}
          setEmail={setEmail}
          emailInput={emailInput}
          emailError={errors.email}
          setEmailError={(email) => setErrors({ email })}
          problem={problem}
          sending={busy === "send"}
          onSubmit={send}
          onHaveCode={() => setStep("reset")}
        />
      ) : (
        <form class="auth-form" noValidate onSubmit={reset} aria-label="Choose a new password">
          {sent ? (
            <Alert kind="info">
              If an account exists for {email.trim()}, a code was sent to it. It works for 15 minutes. Check your spam
              folder if it does not arrive within a few minutes.
            </Alert>
          ) : null}
          <p class="step-done">
            Code for <strong>{email.trim()}</strong>.{" "}
            <Button
              variant="link"
              onClick={() => {
                setStep("email")
                setErrors({})
                setProblem(undefined)
              }}
            >
              Use another email
            </Button>
          </p>
          <CodeField value={code} error={errors.code} onChange={setCode} inputRef={codeInput} />
          <NewPasswordFields
            password={password}
            confirmation={confirmation}
            errors={errors}
            onPassword={setPassword}
            onConfirmation={setConfirmation}
            passwordRef={passwordInput}
            confirmationRef={confirmInput}
          />
          {errors.email ? <Alert>{errors.email}</Alert> : null}
          {problem ? <Alert>{problem}</Alert> : null}
          <div class="form-actions">
            <Button type="submit" busy={busy === "reset"}>
              {busy === "reset" ? "Saving…" : "Save the new password"}
            </Button>
            <Button variant="secondary" busy={busy === "send"} onClick={() => send()}>
              Send a new code
            </Button>
          </div>
          <p class="hint">A new code can be sent once a minute; it replaces the earlier one.</p>
        </form>
      )}
      <ul class="auth-links">
        <li>
          <a href={email.trim() ? `/sign-in?email=${encodeURIComponent(email.trim())}` : "/sign-in"}>Back to sign in</a>
        </li>
      </ul>
    </Page>
  )
}
