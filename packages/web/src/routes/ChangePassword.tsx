/**
 * Changing one's own password: the current password (the server asks for it, admins too), the
 * new one twice. The server's rules and a wrong current password come back next to their
 * fields; done, every other session of the account is signed out, this one stays.
 */
import "./auth.css"
import { useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../api/client"
import { confirmationProblem, newPasswordProblem, sentence, splitProblem } from "../components/auth/forms"
import { NewPasswordFields } from "../components/auth/NewPasswordFields"
import { Alert, Button, Field, Page } from "../components/ui"

type Errors = {
  current?: string | undefined
  password?: string | undefined
  confirm?: string | undefined
}

export default function ChangePassword() {
  const [current, setCurrent] = useState("")
  const [password, setPassword] = useState("")
  const [confirmation, setConfirmation] = useState("")
  const [errors, setErrors] = useState<Errors>({})
  const [problem, setProblem] = useState<string | undefined>()
  const [done, setDone] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const currentInput = useRef<HTMLInputElement>(null)
  const passwordInput = useRef<HTMLInputElement>(null)
  const confirmInput = useRef<HTMLInputElement>(null)

  const save = async (event: Event) => {
    event.preventDefault()
    const found: Errors = {
      current: current === "" ? "Enter your current password." : undefined,
      password: newPasswordProblem(password),
      confirm: confirmationProblem(password, confirmation),
    }
    setErrors(found)
    setProblem(undefined)
    setDone(undefined)
    const first = found.current ? currentInput : found.password ? passwordInput : found.confirm ? confirmInput : null
    if (first) {
      first.current?.focus()
      return
    }
    setBusy(true)
    try {
      const answer = await answerOf(
        client.POST("/api/auth/password/", { body: { current_password: current, password } }),
      )
      setCurrent("")
      setPassword("")
      setConfirmation("")
      const others = answer.signed_out === 1 ? "1 other session was" : `${answer.signed_out} other sessions were`
      setDone(`Your password is changed. ${others} signed out; this one stays signed in.`)
    } catch (error) {
      const { fields, general } = splitProblem(error, ["current_password", "password"])
      setErrors({ current: fields.current_password, password: fields.password })
      if (fields.current_password) currentInput.current?.focus()
      else if (fields.password) passwordInput.current?.focus()
      // after repeated wrong current passwords the server asks to wait (429)
      setProblem(
        error instanceof ApiProblem && error.status === 429 ? `Too many attempts. ${sentence(error.message)}` : general,
      )
    } finally {
      setBusy(false)
    }
  }

  return (
    <Page title="Change password">
      <form class="auth-form" noValidate onSubmit={save} aria-label="Change your password">
        <Field label="Current password" error={errors.current}>
          {(props) => (
            <input
              {...props}
              ref={currentInput}
              type="password"
              name="current-password"
              autoComplete="current-password"
              value={current}
              onInput={(event) => setCurrent(event.currentTarget.value)}
            />
          )}
        </Field>
        <NewPasswordFields
          password={password}
          confirmation={confirmation}
          errors={errors}
          onPassword={setPassword}
          onConfirmation={setConfirmation}
          passwordRef={passwordInput}
          confirmationRef={confirmInput}
        />
        {problem ? <Alert>{problem}</Alert> : null}
        {done ? <Alert kind="success">{done}</Alert> : null}
        <div class="form-actions">
          <Button type="submit" busy={busy}>
            {busy ? "Saving…" : "Save the new password"}
          </Button>
        </div>
        <p class="hint">Every other place where you are signed in is signed out.</p>
      </form>
    </Page>
  )
}
