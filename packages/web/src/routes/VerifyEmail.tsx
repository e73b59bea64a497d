/**
 * Verifying an email address: ask for a code (the server answers the same whether or not the
 * email has an account waiting), enter the 6-digit code from the email, and go to sign in.
 * Someone who already has a code (an admin sent it) goes straight to entering it.
 */
import "./auth.css"
import { useEffect, useRef, useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { answerOf, client } from "../api/client"
import { AskForCode } from "../components/auth/AskForCode"
import { CodeField } from "../components/auth/CodeField"
import { codeProblem, codeRefusal, emailProblem, INVALID_CODE, queryValue } from "../components/auth/forms"
import { Alert, Button, Page } from "../components/ui"

export default function VerifyEmail() {
  const { query, route } = useLocation()
  const [email, setEmail] = useState(queryValue(query, "email"))
  const [code, setCode] = useState("")
  const [step, setStep] = useState<"email" | "code">("email")
  const [sent, setSent] = useState(false)
  const [errors, setErrors] = useState<{ email?: string | undefined; code?: string | undefined }>({})
  const [problem, setProblem] = useState<string | undefined>()
  const [busy, setBusy] = useState<"send" | "confirm" | null>(null)
  const emailInput = useRef<HTMLInputElement>(null)
  const codeInput = useRef<HTMLInputElement>(null)

  const opened = useRef(false)
  useEffect(() => {
    // a step's first field takes the focus (not the email's on opening: the heading has it)
    if (step === "code") codeInput.current?.focus()
    else if (opened.current) emailInput.current?.focus()
    opened.current = true
  }, [step])

  const refused = (error: unknown) => {
    const refusal = codeRefusal(error, ["email", "code"])
    if (refusal.invalidCode) {
      setErrors({ code: INVALID_CODE })
      codeInput.current?.focus()
      return
    }
    setErrors(refusal.fields)
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
      await answerOf(client.POST("/api/auth/verify/send/", { body: { email: email.trim() } }))
      setSent(true)
      setCode("")
      setStep("code")
    } catch (error) {
      refused(error)
    } finally {
      setBusy(null)
    }
  }

  const confirm = async (event: Event) => {
    event.preventDefault()
    const found = { email: emailProblem(email), code: codeProblem(code) }
    setErrors(found)
    setProblem(undefined)
    if (found.email || found.code) {
      if (found.email) setStep("email")
      else codeInput.current?.focus()
      return
    }
    setBusy("confirm")
    try {
      await answerOf(client.POST("/api/auth/verify/confirm/", { body: { email: email.trim(), code: code.trim() } }))
      route(`/sign-in?email=${encodeURIComponent(email.trim())}&notice=verified`)
    } catch (error) {
      refused(error)
    } finally {
      setBusy(null)
    }
  }

  return (
    <Page title="Verify your email">
      <p class="auth-intro muted">
        Before you sign in for the first time, confirm your email address with a 6-digit code we email to you.
      </p>
      {step === "email" ? (
        <AskForCode
          label="Ask for a code"
          email={email}
          setEmail={setEmail}
          emailInput={emailInput}
          emailError={errors.email}
          setEmailError={(email) => setErrors({ email })}
          problem={problem}
          sending={busy === "send"}
          onSubmit={send}
          onHaveCode={() => setStep("code")}
        />
      ) : (
        <form class="auth-form" noValidate onSubmit={confirm} aria-label="Enter the code">
          {sent ? (
            <Alert kind="info">
              If {email.trim()} has an account waiting for verification, a code is on its way to it. It works for 15
              minutes. Check your spam folder if it does not arrive within a few minutes.
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
          {errors.email ? <Alert>{errors.email}</Alert> : null}
          {problem ? <Alert>{problem}</Alert> : null}
          <div class="form-actions">
            <Button type="submit" busy={busy === "confirm"}>
              {busy === "confirm" ? "Verifying…" : "Verify email"}
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
