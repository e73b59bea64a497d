// @vitest-environment happy-dom
/**
 * Controls shown by what the server answered the account may do (`GET /api/auth/me/`): "Run now"
 * only where the job's automation allows the role (`run_by_hand`), the retry form's profile and
 * plan fields only for those who may correct an upload (admins and moderators; others retry as
 * it is), and the incident moves the server's workflow allows.
 */
import { cleanup, render, screen } from "@testing-library/preact"
import { afterEach, describe, expect, it } from "vitest"
import { RetryForm } from "../src/components/issues/RetryForm"
import { TransitionControls } from "../src/components/issues/TransitionControls"
import { can, type Rights, type Role, session } from "../src/state/session"
import { rightsOf } from "./support/rights"

const signInAs = (role: Role) => {
  session.value = {
    token: "t",
    rights: rightsOf(role),
    user: {
      id: `${role}-1`,
      username: role,
      email: `${role}@school.test`,
      role,
      email_verified: true,
      is_active: true,
      created_at: "2026-01-01T00:00:00Z",
    },
  }
}

afterEach(() => {
  cleanup()
  session.value = null
})

const UPLOAD = {
  id: "u1",
  file_name: "gradebook.csv",
  status: "failed",
  profile: "gradebook",
  process_mode: "delete",
  process_config: { rules: [{ column: "house", value: "x" }] },
}

describe("controls by role", () => {
  it("offers to run a job by hand only to the roles its automation names", () => {
    const allowed = (role: Role) =>
      (["any", "moderator", "admin"] as const).filter((run_by_hand) => {
        signInAs(role)
        return can.triggerJob({ run_by_hand })
      })
    expect(allowed("user")).toEqual(["any"])
    expect(allowed("moderator")).toEqual(["any", "moderator"])
    expect(allowed("admin")).toEqual(["any", "moderator", "admin"])
    session.value = null
    expect(can.triggerJob({ run_by_hand: "any" })).toBe(false)
  })

  it("lets a user retry an upload as it is, and a moderator correct its profile or plan", () => {
    signInAs("user")
    render(<RetryForm incidentId={null} upload={UPLOAD} onRetried={() => undefined} />)
    expect(screen.queryByLabelText("Profile")).toBeNull()
    expect(screen.queryByLabelText("Plan")).toBeNull()
    expect(screen.getByText(/changing the profile or plan is for admins and moderators/)).toBeTruthy()
    expect(screen.getByRole("button", { name: "Retry the upload" })).toBeTruthy()
    cleanup()

    signInAs("moderator")
    render(<RetryForm incidentId="i1" upload={UPLOAD} onRetried={() => undefined} />)
    expect(screen.getByLabelText("Profile")).toBeTruthy()
    expect(screen.getByLabelText("Plan")).toBeTruthy()
    expect(screen.getByLabelText("Plan settings (JSON, optional)")).toBeTruthy()
  })
})

describe("controls by the rights the server answered", () => {
  const signInWith = (role: Role, rights: Rights) => {
    signInAs(role)
    session.value = { ...session.value!, rights }
  }

  it("offers an action by the permission, not by the role's name", () => {
    const user = rightsOf("user")
    signInWith("user", { ...user, permissions: { ...user.permissions, correct_uploads: true } })
    render(<RetryForm incidentId={null} upload={UPLOAD} onRetried={() => undefined} />)
    expect(screen.getByLabelText("Profile")).toBeTruthy()
    cleanup()

    const admin = rightsOf("admin")
    signInWith("admin", { ...admin, permissions: { ...admin.permissions, correct_uploads: false } })
    render(<RetryForm incidentId={null} upload={UPLOAD} onRetried={() => undefined} />)
    expect(screen.queryByLabelText("Profile")).toBeNull()
  })

  it("offers the incident moves the server's workflow answered, and none before the rights arrive", () => {
    const moderator = rightsOf("moderator")
    signInWith("moderator", {
      ...moderator,
      incident_transitions: { ...moderator.incident_transitions, open: ["archived"] },
    })
    render(<TransitionControls status="open" onMove={async () => undefined} />)
    expect(screen.queryAllByRole("button").map((button) => button.textContent)).toEqual(["Archive"])
    cleanup()

    signInAs("moderator")
    session.value = { ...session.value!, rights: undefined }
    render(<TransitionControls status="open" onMove={async () => undefined} />)
    expect(screen.queryAllByRole("button")).toEqual([])
    expect(screen.getByText(/Moderators and admins move an incident/)).toBeTruthy()
  })
})
