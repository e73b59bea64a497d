/**
 * The accounts, for admins: find them (search, role, active or not), make one (with a password
 * or without, when they choose it after verifying), change a role, email a verification code,
 * deactivate (after a confirmation; the account is kept and signed out everywhere) and
 * reactivate. An admin's own row offers neither demotion nor deactivation: the server refuses
 * both. Everyone else is told that only admins manage accounts.
 */
import "./auth.css"
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../api/client"
import { emailProblem, PASSWORD_RULES, sentence, splitProblem } from "../components/auth/forms"
import { Alert, Button, Field, LoadState, Page, useLoad, When } from "../components/ui"
import { type Account, can, type Role, session } from "../state/session"

const ROLES: ReadonlyArray<{ value: Role; label: string }> = [
  { value: "user", label: "User" },
  { value: "moderator", label: "Moderator" },
  { value: "admin", label: "Admin" },
]

const PAGE_SIZE = 25

type RowNote = { readonly kind: "success" | "error"; readonly text: string }

const roleLabel = (role: Role) => ROLES.find((item) => item.value === role)?.label ?? role

/** Emails a verification code (the public route: the same one a person uses themselves). */
const sendVerification = (email: string) => answerOf(client.POST("/api/auth/verify/send/", { body: { email } }))

const problemText = (error: unknown) =>
  error instanceof ApiProblem && error.status === 429
    ? `Too many attempts. ${sentence(error.message)}`
    : sentence(error instanceof Error ? error.message : String(error))

type NewErrors = Partial<Record<"email" | "username" | "role" | "password" | "first_name" | "last_name", string>>

const CreateAccount = ({ onCreated, onCancel }: { onCreated: (note: RowNote) => void; onCancel: () => void }) => {
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

const RoleChange = ({ account, onSave, busy }: { account: Account; onSave: (role: Role) => void; busy: boolean }) => {
  const [choice, setChoice] = useState<Role>(account.role)
  useEffect(() => setChoice(account.role), [account.role])
  return (
    <div class="role-change">
      <select
        aria-label={`Role of ${account.username}`}
        value={choice}
        onChange={(event) => setChoice(event.currentTarget.value as Role)}
      >
        {ROLES.map((item) => (
          <option key={item.value} value={item.value}>
            {item.label}
          </option>
        ))}
      </select>
      {choice !== account.role ? (
        <Button variant="secondary" busy={busy} onClick={() => onSave(choice)}>
          Save role
        </Button>
      ) : null}
    </div>
  )
}

const ConfirmDeactivate = ({
  account,
  busy,
  onConfirm,
  onCancel,
}: {
  account: Account
  busy: boolean
  onConfirm: () => void
  onCancel: () => void
}) => {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const element = dialog.current
    if (element && !element.open) {
      if (typeof element.showModal === "function") element.showModal()
      else element.setAttribute("open", "")
    }
    return () => element?.close?.()
  }, [])
  return (
    <dialog
      ref={dialog}
      class="users-confirm"
      aria-labelledby="deactivate-title"
      aria-describedby="deactivate-text"
      onCancel={(event) => {
        event.preventDefault()
        onCancel()
      }}
    >
      <h2 id="deactivate-title">Deactivate {account.username}?</h2>
      <p id="deactivate-text">
        {account.email} will be signed out everywhere and cannot sign in until an admin reactivates the account. Its
        uploads, incidents and history are kept.
      </p>
      <div class="form-actions">
        <Button variant="secondary" autoFocus onClick={onCancel}>
          Cancel
        </Button>
        <Button variant="danger" busy={busy} onClick={onConfirm}>
          Deactivate
        </Button>
      </div>
    </dialog>
  )
}

const Accounts = () => {
  const me = session.value?.user
  const [search, setSearch] = useState("")
  const [filters, setFilters] = useState<{ search: string; role: Role | ""; active: "true" | "false" | "" }>({
    search: "",
    role: "",
    active: "true",
  })
  const [page, setPage] = useState(1)
  const [creating, setCreating] = useState(false)
  const [notice, setNotice] = useState<RowNote | null>(null)
  const [notes, setNotes] = useState<Record<string, RowNote>>({})
  const [busy, setBusy] = useState<string | null>(null)
  const [confirming, setConfirming] = useState<Account | null>(null)

  const loaded = useLoad(
    (signal) =>
      answerOf(
        client.GET("/api/users/", {
          signal,
          params: {
            query: {
              page: String(page),
              page_size: String(PAGE_SIZE),
              search: filters.search,
              role: filters.role || undefined,
              is_active: filters.active || undefined,
            },
          },
        }),
      ),
    [page, filters.search, filters.role, filters.active],
  )

  const note = (id: string, value: RowNote) => setNotes((previous) => ({ ...previous, [id]: value }))

  /** Runs an action on an account; says how it went in its row, or above the list when it may leave the list. */
  const act = async (
    account: Account,
    key: string,
    run: () => Promise<unknown>,
    success: string,
    where: "row" | "page" = "row",
  ) => {
    setBusy(`${key}:${account.id}`)
    try {
      await run()
      if (where === "page") {
        setNotice({ kind: "success", text: success })
        setNotes(({ [account.id]: _, ...rest }) => rest)
      } else note(account.id, { kind: "success", text: success })
      loaded.reload()
      return true
    } catch (error) {
      note(account.id, { kind: "error", text: problemText(error) })
      return false
    } finally {
      setBusy(null)
    }
  }

  const changeRole = (account: Account, role: Role) =>
    act(
      account,
      "role",
      () => answerOf(client.PATCH("/api/users/{id}/", { params: { path: { id: account.id } }, body: { role } })),
      `${account.username} is now ${roleLabel(role).toLowerCase()}.`,
    )

  const deactivate = async (account: Account) => {
    await act(
      account,
      "deactivate",
      () => answerOf(client.DELETE("/api/users/{id}/", { params: { path: { id: account.id } } })),
      `${account.username} is deactivated and signed out everywhere.`,
      "page",
    )
    setConfirming(null)
  }

  const reactivate = (account: Account) =>
    act(
      account,
      "reactivate",
      () =>
        answerOf(client.PATCH("/api/users/{id}/", { params: { path: { id: account.id } }, body: { is_active: true } })),
      `${account.username} can sign in again.`,
      "page",
    )

  const resend = (account: Account) =>
    act(
      account,
      "verify",
      () => sendVerification(account.email),
      `A verification code is on its way to ${account.email} (at most one a minute).`,
    )

  return (
    <Page
      title="Users"
      actions={
        creating ? null : (
          <Button
            onClick={() => {
              setCreating(true)
              setNotice(null)
            }}
            id="new-account"
          >
            New account
          </Button>
        )
      }
    >
      <p class="muted auth-intro">
        Accounts are never deleted: a deactivated account keeps its uploads and history and cannot sign in.
      </p>
      {notice ? <Alert kind={notice.kind}>{notice.text}</Alert> : null}
      {creating ? (
        <CreateAccount
          onCancel={() => {
            setCreating(false)
            setTimeout(() => document.getElementById("new-account")?.focus(), 0)
          }}
          onCreated={(created) => {
            setCreating(false)
            setNotice(created)
            setPage(1)
            loaded.reload()
            setTimeout(() => document.getElementById("new-account")?.focus(), 0)
          }}
        />
      ) : null}
      <form
        class="users-filters"
        aria-label="Find accounts"
        onSubmit={(event) => {
          event.preventDefault()
          setPage(1)
          setFilters((previous) => ({ ...previous, search: search.trim() }))
        }}
      >
        <Field label="Search" hint="Username, email or name">
          {(props) => (
            <input {...props} type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
          )}
        </Field>
        <Field label="Role">
          {(props) => (
            <select
              {...props}
              value={filters.role}
              onChange={(event) => {
                const value = event.currentTarget.value
                setPage(1)
                setFilters((previous) => ({ ...previous, role: value as Role | "" }))
              }}
            >
              <option value="">All roles</option>
              {ROLES.map((item) => (
                <option key={item.value} value={item.value}>
                  {item.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Status">
          {(props) => (
            <select
              {...props}
              value={filters.active}
              onChange={(event) => {
                const value = event.currentTarget.value
                setPage(1)
                setFilters((previous) => ({ ...previous, active: value as "true" | "false" | "" }))
              }}
            >
              <option value="true">Active</option>
              <option value="false">Deactivated</option>
              <option value="">Active and deactivated</option>
            </select>
          )}
        </Field>
        <div class="field">
          <Button type="submit" variant="secondary">
            Search
          </Button>
        </div>
      </form>
      <LoadState loaded={loaded}>
        {(data) =>
          data.results.length === 0 ? (
            <p class="card muted">
              {filters.search || filters.role || filters.active !== "true"
                ? "No account matches these filters."
                : "No accounts yet."}
            </p>
          ) : (
            <>
              {loaded.error ? <Alert>{problemText(loaded.error)}</Alert> : null}
              <div class="table-wrap">
                <table class="users-table">
                  <caption class="users-count muted">
                    {data.count === 1 ? "1 account" : `${data.count} accounts`}
                    {loaded.loading ? " (updating…)" : ""}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Username</th>
                      <th scope="col">Email</th>
                      <th scope="col">Role</th>
                      <th scope="col">Verified</th>
                      <th scope="col">Active</th>
                      <th scope="col">Created</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.results.map((account) => {
                      const self = account.id === me?.id
                      const rowNote = notes[account.id]
                      return (
                        <tr key={account.id}>
                          <th scope="row" data-label="Username">
                            {account.username}
                            {self ? <span class="muted"> (you)</span> : null}
                          </th>
                          <td data-label="Email">{account.email}</td>
                          <td data-label="Role">
                            {self || !account.is_active ? (
                              roleLabel(account.role)
                            ) : (
                              <RoleChange
                                account={account}
                                busy={busy === `role:${account.id}`}
                                onSave={(role) => changeRole(account, role)}
                              />
                            )}
                          </td>
                          <td data-label="Verified">
                            {account.email_verified ? (
                              <span class="badge badge-good">verified</span>
                            ) : (
                              <span class="badge badge-warn">not verified</span>
                            )}
                          </td>
                          <td data-label="Active">
                            {account.is_active ? (
                              <span class="badge badge-good">active</span>
                            ) : (
                              <span class="badge badge-bad">deactivated</span>
                            )}
                          </td>
                          <td data-label="Created">
                            <When at={account.created_at} />
                          </td>
                          <td data-label="Actions">
                            <div class="row-actions">
                              {account.is_active && !account.email_verified ? (
                                <Button
                                  variant="secondary"
                                  busy={busy === `verify:${account.id}`}
                                  onClick={() => resend(account)}
                                  aria-label={`Send verification code to ${account.username}`}
                                >
                                  Send verification code
                                </Button>
                              ) : null}
                              {account.is_active && !self ? (
                                <Button
                                  variant="danger"
                                  onClick={() => setConfirming(account)}
                                  aria-label={`Deactivate ${account.username}`}
                                >
                                  Deactivate
                                </Button>
                              ) : null}
                              {!account.is_active ? (
                                <Button
                                  variant="secondary"
                                  busy={busy === `reactivate:${account.id}`}
                                  onClick={() => reactivate(account)}
                                  aria-label={`Reactivate ${account.username}`}
                                >
                                  Reactivate
                                </Button>
                              ) : null}
                              {self ? <span class="muted">Another admin changes your own role or access.</span> : null}
                            </div>
                            {rowNote ? (
                              <p
                                class={`row-message ${rowNote.kind === "error" ? "error" : ""}`}
                                role={rowNote.kind === "error" ? "alert" : "status"}
                              >
                                {rowNote.text}
                              </p>
                            ) : null}
                          </td>
                        </tr>
                      )
                    })}
                  </tbody>
                </table>
              </div>
              {data.next || data.previous ? (
                <nav class="users-pager" aria-label="Pages of accounts">
                  <Button variant="secondary" disabled={!data.previous} onClick={() => setPage(page - 1)}>
                    Previous page
                  </Button>
                  <span>
                    Page {page} of {Math.max(1, Math.ceil(data.count / PAGE_SIZE))}
                  </span>
                  <Button variant="secondary" disabled={!data.next} onClick={() => setPage(page + 1)}>
                    Next page
                  </Button>
                </nav>
              ) : null}
            </>
          )
        }
      </LoadState>
      {confirming ? (
        <ConfirmDeactivate
          account={confirming}
          busy={busy === `deactivate:${confirming.id}`}
          onConfirm={() => deactivate(confirming)}
          onCancel={() => setConfirming(null)}
        />
      ) : null}
    </Page>
  )
}

export default function Users() {
  if (!can.manageUsers()) {
    return (
      <Page title="Users">
        <Alert kind="info">
          Only admins manage accounts. If someone needs an account, or a role or access changed, ask an admin of your
          BatchOps.
        </Alert>
      </Page>
    )
  }
  return <Accounts />
}
