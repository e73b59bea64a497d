/** The controls of one account row: changing its role, and confirming a deactivation. */
import { useEffect, useRef, useState } from "preact/hooks"
import type { Account, Role } from "../../state/session"
import { Button } from "../ui"
import { ROLES } from "./accounts"

export const RoleChange = ({
  account,
  onSave,
  busy,
}: {
  account: Account
  onSave: (role: Role) => void
  busy: boolean
}) => {
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

export const ConfirmDeactivate = ({
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
