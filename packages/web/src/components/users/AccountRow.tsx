/**
 * One account in the list: its details, its role (changeable unless it is the admin's own or
 * deactivated), and what may be done with it, with the outcome of the last action below.
 */
import type { Account, Role } from "../../state/session"
import { Button, When } from "../ui"
import { RoleChange } from "./AccountControls"
import { type RowNote, roleLabel } from "./accounts"

export const AccountRow = ({
  account,
  self,
  note,
  busy,
  onRole,
  onResend,
  onDeactivate,
  onReactivate,
}: {
  account: Account
  /** the signed-in admin's own account */
  self: boolean
  note: RowNote | undefined
  /** the action under way (`role:<id>`, `verify:<id>`...), if any */
  busy: string | null
  onRole: (role: Role) => void
  onResend: () => void
  onDeactivate: () => void
  onReactivate: () => void
}) => (
  <tr>
    <th scope="row" data-label="Username">
      {account.username}
      {self ? <span class="muted"> (you)</span> : null}
    </th>
    <td data-label="Email">{account.email}</td>
    <td data-label="Role">
      {self || !account.is_active ? (
        roleLabel(account.role)
      ) : (
        <RoleChange account={account} busy={busy === `role:${account.id}`} onSave={onRole} />
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
            onClick={onResend}
            aria-label={`Send verification code to ${account.username}`}
          >
            Send verification code
          </Button>
        ) : null}
        {account.is_active && !self ? (
          <Button variant="danger" onClick={onDeactivate} aria-label={`Deactivate ${account.username}`}>
            Deactivate
          </Button>
        ) : null}
        {!account.is_active ? (
          <Button
            variant="secondary"
            busy={busy === `reactivate:${account.id}`}
            onClick={onReactivate}
            aria-label={`Reactivate ${account.username}`}
          >
            Reactivate
          </Button>
        ) : null}
        {self ? <span class="muted">Another admin changes your own role or access.</span> : null}
      </div>
      {note ? (
        <p
          class={`row-message ${note.kind === "error" ? "error" : ""}`}
          role={note.kind === "error" ? "alert" : "status"}
        >
          {note.text}
        </p>
      ) : null}
    </td>
  </tr>
)
