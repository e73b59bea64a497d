// @vitest-environment happy-dom
/**
 * Controls shown by role, as the server's rules say: "Run now" only where the job's automation
 * allows the role (`run_by_hand`), and the retry form's profile and plan fields only for those
 * who may correct an upload (admins and moderators); others retry as it is.
 */
import { cleanup, render, screen } from "@testing-library/preact"
import { afterEach, describe, expect, it } from "vitest"
import { RetryForm } from "../src/components/issues/RetryForm"
import { can, type Role, session } from "../src/state/session"

const signInAs = (role: Role) => {
  session.value = {
    token: "t",
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
