/**
 * Making an account, for admins: email, role, optional username and names, and a password or
 * none (the person then chooses one after verifying their email).
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../../api/client"
import type { Role } from "../../state/session"
import { emailProblem, PASSWORD_RULES, splitProblem } from "../auth/forms"
import { Alert, Button, Field } from "../ui"
import { problemText, ROLES, type RowNote, roleLabel, sendVerification } from "./accounts"

export type NewErrors = Partial<Record<"email" | "username" | "role" | "password" | "first_name" | "last_name", string>>

export const CreateAccount = ({
  onCreated,
  onCancel,
}: {
  onCreated: (note: RowNote) => void
  onCancel: () => void
}) => {
  const [email, setEmail] = useState("")
  const [username, setUsername] = useState("")
  const [role, setRole] = useState<Role>("user")
  const [firstName, setFirstName] = useState("")
  const [lastName, setLastName] = useState("")
  const [password, setPassword] = useState("")
  const [mailCode, setMailCode] = useState(true)
  const [errors, setErrors] = useState<NewErrors>({})
  const [problem, setProblem] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const form = useRef<HTMLFormElement>(null)

  useEffect(() => {
    form.current?.querySelector<HTMLInputElement>("input")?.focus()
  }, [])

  /** a field being corrected no longer shows its old problem */
  const edit = (set: (value: string) => void, field: keyof NewErrors, value: string) => {
    set(value)
    if (errors[field]) setErrors((previous) => ({ ...previous, [field]: undefined }))
  }

  const focusFirstInvalid = () =>
    setTimeout(() => form.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus(), 0)

  const submit = async (event: Event) => {
    event.preventDefault()
    const found: NewErrors = {
      email: emailProblem(email),
      username:
        username.trim() !== "" && !/^[A-Za-z0-9._@+-]{1,150}$/.test(username.trim())
          ? "A username is 1 to 150 letters, digits and . _ @ + - (no spaces)."
          : undefined,
      password:
        password !== "" && [...password].length < 10 ? "The password must be at least 10 characters long." : undefined,
    }
    setErrors(found)
    setProblem(undefined)
    if (Object.values(found).some(Boolean)) {
      focusFirstInvalid()
      return
    }
    setBusy(true)
    try {
      const created = await answerOf(
        client.POST("/api/users/", {
          body: {
            email: email.trim(),
            role,
            ...(username.trim() ? { username: username.trim() } : {}),
            ...(firstName.trim() ? { first_name: firstName.trim() } : {}),
            ...(lastName.trim() ? { last_name: lastName.trim() } : {}),
            ...(password ? { password } : {}),
          },
        }),
      )
      let text = `The account ${created.username} (${created.email}, ${roleLabel(created.role).toLowerCase()}) is created.`
      if (mailCode) {
        try {
          await sendVerification(created.email)
          text += " A verification code is on its way to its email address."
        } catch (error) {
          onCreated({ kind: "error", text: `${text} The verification code was not sent: ${problemText(error)}` })
          return
        }
      }
      if (!password) text += " They choose a password with “Forgot your password?” on the sign-in page."
      onCreated({ kind: "success", text })
    } catch (error) {
      const { fields, general } = splitProblem(error, [
        "email",
        "username",
        "role",
        "password",
        "first_name",
        "last_name",
      ])
      setErrors(fields)
      setProblem(
        error instanceof ApiProblem && error.status === 429 ? problemText(error) : fields.email ? undefined : general,
      )
      focusFirstInvalid()
    } finally {
      setBusy(false)
    }
  }

  return (
    <form ref={form} class="card users-create" noValidate onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">New account</h2>
      <div class="grid">
        <Field label="Email" error={errors.email}>
          {(props) => (
            <input
              {...props}
              type="email"
              name="email"
              autoComplete="off"
              value={email}
              onInput={(event) => edit(setEmail, "email", event.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Role" error={errors.role}>
          {(props) => (
            <select
              {...props}
              name="role"
              value={role}
              onChange={(event) => setRole(event.currentTarget.value as Role)}
            >
              {ROLES.map((item) => (
                <option key={item.value} value={item.value}>
                  {item.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Username (optional)"
          hint="Left empty, it is the part of the email before the @."
          error={errors.username}
        >
          {(props) => (
            <input
              {...props}
              name="username"
              autoComplete="off"
              value={username}
              onInput={(event) => edit(setUsername, "username", event.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="First name (optional)" error={errors.first_name}>
          {(props) => (
            <input
              {...props}
              name="first_name"
              autoComplete="off"
              value={firstName}
              onInput={(event) => edit(setFirstName, "first_name", event.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Last name (optional)" error={errors.last_name}>
          {(props) => (
            <input
              {...props}
              name="last_name"
              autoComplete="off"
              value={lastName}
              onInput={(event) => edit(setLastName, "last_name", event.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="Password (optional)"
          hint={`${PASSWORD_RULES} Left empty, they choose one themselves after verifying their email.`}
          error={errors.password}
        >
          {(props) => (
            <input
              {...props}
              type="password"
              name="password"
              autoComplete="new-password"
              value={password}
              onInput={(event) => edit(setPassword, "password", event.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={mailCode} onChange={(event) => setMailCode(event.currentTarget.checked)} />
        Email them a verification code now
      </label>
      {problem ? <Alert>{problem}</Alert> : null}
      <div class="page-actions">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" busy={busy}>
          {busy ? "Creating…" : "Create account"}
        </Button>
      </div>
    </form>
  )
}
