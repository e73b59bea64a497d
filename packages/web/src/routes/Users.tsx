/**
 * The accounts, for admins: find them (search, role, active or not), make one (with a password
 * or without, when they choose it after verifying), change a role, email a verification code,
 * deactivate (after a confirmation; the account is kept and signed out everywhere) and
 * reactivate. An admin's own row offers neither demotion nor deactivation: the server refuses
 * both. Everyone else is told that only admins manage accounts.
 */
import "./auth.css"
import { useState } from "preact/hooks"
import { answerOf, client } from "../api/client"
import { Alert, Button, LoadState, Page, Pager, useLoad } from "../components/ui"
import { ConfirmDeactivate } from "../components/users/AccountControls"
import { AccountFilters, type Filters } from "../components/users/AccountFilters"
import { AccountRow } from "../components/users/AccountRow"
import { problemText, type RowNote, roleLabel, sendVerification } from "../components/users/accounts"
import { CreateAccount } from "../components/users/CreateAccount"
import { type Account, can, type Role, session } from "../state/session"

const PAGE_SIZE = 25

const Accounts = () => {
  const me = session.value?.user
  const [filters, setFilters] = useState<Filters>({
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
      <AccountFilters
        filters={filters}
        onFilters={(next) => {
          setPage(1)
          setFilters((previous) => ({ ...previous, ...next }))
        }}
      />
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
                    {data.results.map((account) => (
                      <AccountRow
                        key={account.id}
                        account={account}
                        self={account.id === me?.id}
                        note={notes[account.id]}
                        busy={busy}
                        onRole={(role) => changeRole(account, role)}
                        onResend={() => resend(account)}
                        onDeactivate={() => setConfirming(account)}
                        onReactivate={() => reactivate(account)}
                      />
                    ))}
                  </tbody>
                </table>
              </div>
              {data.next || data.previous ? (
                <Pager page={page} count={data.count} pageSize={PAGE_SIZE} label="Pages of accounts" onPage={setPage} />
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
