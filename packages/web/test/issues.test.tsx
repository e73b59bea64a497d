// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact"
import { afterEach, describe, expect, it, vi } from "vitest"
import { ApiProblem } from "../src/api/client"
import { TransitionControls } from "../src/components/issues/TransitionControls"
import { age, type Incident, type IncidentStatus, uploadsOf } from "../src/components/issues/types"
import { type Role, session } from "../src/state/session"
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

const buttons = () => screen.queryAllByRole("button").map((button) => button.textContent)

describe("the incident's transition controls", () => {
  const cases: ReadonlyArray<[IncidentStatus, ReadonlyArray<string>]> = [
    ["open", ["Start work", "Resolve", "Archive"]],
    ["in_progress", ["Resolve", "Archive"]],
    ["resolved", ["Reopen", "Archive"]],
    ["archived", []],
  ]

  it.each(cases)("offers a moderator only the moves allowed from %s", (status, moves) => {
    signInAs("moderator")
    render(<TransitionControls status={status} onMove={async () => undefined} />)
    expect(buttons()).toEqual(moves)
    if (status === "archived") expect(screen.getByText(/closed for good/)).toBeTruthy()
  })

  it("offers an admin the same moves and a user none", () => {
    signInAs("admin")
    render(<TransitionControls status="open" onMove={async () => undefined} />)
    expect(buttons()).toEqual(["Start work", "Resolve", "Archive"])
    cleanup()
    signInAs("user")
    render(<TransitionControls status="open" onMove={async () => undefined} />)
    expect(buttons()).toEqual([])
    expect(screen.getByText(/Moderators and admins move an incident/)).toBeTruthy()
  })

  it("makes the move with its note, and shows the server's refusal in words", async () => {
    signInAs("moderator")
    const onMove = vi.fn(async (to: IncidentStatus) => {
      if (to === "archived")
        throw new ApiProblem("cannot move an incident from open to archived; test", 409, "invalid_transition")
    })
    render(<TransitionControls status="open" onMove={onMove} />)
    fireEvent.input(screen.getByLabelText("Note with the change (optional)"), { target: { value: "looking at it" } })
    fireEvent.click(screen.getByRole("button", { name: "Start work" }))
    await waitFor(() => expect(onMove).toHaveBeenCalledWith("in_progress", "looking at it"))
    fireEvent.click(screen.getByRole("button", { name: "Archive" }))
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("cannot move an incident from open"))
  })

  it("offers to reload an incident someone changed meanwhile", async () => {
    signInAs("admin")
    const onReload = vi.fn()
    const onMove = async () => {
      throw new ApiProblem("incident i1 changed since you loaded it; reload it and repeat your change", 409, "conflict")
    }
    render(<TransitionControls status="in_progress" onMove={onMove} onReload={onReload} />)
    fireEvent.click(screen.getByRole("button", { name: "Resolve" }))
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("changed since you loaded it"))
    fireEvent.click(screen.getByRole("button", { name: "Reload the issue" }))
    expect(onReload).toHaveBeenCalled()
  })
})

describe("an issue's age", () => {
  it("reads in words", () => {
    const now = Date.parse("2026-03-01T12:00:00Z")
    expect(age("2026-03-01T11:59:30Z", now)).toBe("just now")
    expect(age("2026-03-01T11:15:00Z", now)).toBe("45 min")
    expect(age("2026-03-01T02:00:00Z", now)).toBe("10 h")
    expect(age("2026-02-25T12:00:00Z", now)).toBe("4 days")
  })
})

describe("the uploads of an issue", () => {
  it("are the one that opened it, then each in which the failure came back, the last one being retried", () => {
    const entry = (kind: string, data: unknown) => ({
      at: "2026-03-01T00:00:00Z",
      actor: null,
      kind,
      message: kind,
      data,
    })
    const incident = {
      upload_id: "u1",
      timeline: [
        entry("opened", {}),
        entry("recurred", { uploadId: "u2", error: "x", reopened: true }),
        entry("recurred", { uploadId: null }),
        entry("recurred", { uploadId: "u2" }),
        entry("recurred", { uploadId: "u3" }),
      ],
    } as unknown as Incident
    expect(uploadsOf(incident)).toEqual(["u1", "u2", "u3"])
    expect(uploadsOf({ upload_id: null, timeline: [] } as unknown as Incident)).toEqual([])
  })
})
