// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact"
import { LocationProvider } from "preact-iso"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { safeNext } from "../src/components/auth/forms"
import ChangePassword from "../src/routes/ChangePassword"
import ForgotPassword from "../src/routes/ForgotPassword"
import SignIn, { SignInForm } from "../src/routes/SignIn"
import Users from "../src/routes/Users"
import { type Account, session, signIn, signOut } from "../src/state/session"
import { rightsOf } from "./support/rights"

const account = {
  id: "u1",
  username: "ada",
  email: "ada@school.test",
  role: "user",
  email_verified: true,
  is_active: true,
  created_at: "2026-01-01T00:00:00.000Z",
}

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

let fetchMock: ReturnType<typeof vi.fn>

beforeEach(() => {
  fetchMock = vi.fn()
  vi.stubGlobal("fetch", fetchMock)
})

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

/** The text of the messages an input is described by (its hint and its error). */
const describedBy = (input: HTMLElement) =>
  (input.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent)

const fill = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } })

const submit = () => fireEvent.click(screen.getByRole("button", { name: "Sign in" }))

describe("the sign-in form", () => {
  it("says next to each field what is missing, without asking the server", async () => {
    render(<SignInForm onSignedIn={() => undefined} />)
    submit()
    const email = await screen.findByLabelText("Email")
    expect(email.getAttribute("aria-invalid")).toBe("true")
    expect(describedBy(email)).toEqual(["Enter your email address."])
    expect(describedBy(screen.getByLabelText("Password"))).toEqual(["Enter your password."])
    expect(document.activeElement).toBe(email)

    fill("Email", "not-an-email")
    fill("Password", "whatever it is")
    submit()
    await waitFor(() =>
      expect(describedBy(screen.getByLabelText("Email"))).toEqual(["Enter an email address like name@school.org."]),
    )
    expect(screen.getByLabelText("Password").getAttribute("aria-invalid")).toBeNull()
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it("signs in with the email and password and hands over the token and account", async () => {
    fetchMock.mockResolvedValue(answer(200, { token: "t0k", expires_at: "2026-02-01T00:00:00Z", user: account }))
    const onSignedIn = vi.fn()
    render(<SignInForm initialEmail="ada@school.test" onSignedIn={onSignedIn} />)
    expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("ada@school.test")
    fill("Password", "correct horse battery")
    submit()
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledOnce())
    expect(onSignedIn.mock.calls[0]?.[0]).toMatchObject({ token: "t0k", user: { username: "ada" } })
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe("/api/auth/login/")
    expect(JSON.parse(String(init.body))).toEqual({ email: "ada@school.test", password: "correct horse battery" })
  })

  it("says when the email or password is not right, and empties the password", async () => {
    fetchMock.mockResolvedValue(
      answer(401, { error: "the email or the password is not right", code: "invalid_credentials" }),
    )
    render(<SignInForm initialEmail="ada@school.test" onSignedIn={() => undefined} />)
    fill("Password", "wrong password")
    submit()
    const alert = await screen.findByRole("alert")
    expect(alert.textContent).toContain("The email or the password is not right.")
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("")
    expect(document.activeElement).toBe(screen.getByLabelText("Password"))
  })

  it("sends an account still to verify to the verification screen with its email", async () => {
    fetchMock.mockResolvedValue(
      answer(403, { error: "verify your email address before signing in", code: "email_not_verified" }),
    )
    render(<SignInForm initialEmail="new.teacher@school.test" onSignedIn={() => undefined} />)
    fill("Password", "a good password")
    submit()
    const alert = await screen.findByRole("alert")
    expect(alert.textContent).toContain("Verify your email address before signing in.")
    const link = screen.getByRole("link", { name: "Verify your email" })
    expect(link.getAttribute("href")).toBe("/verify-email?email=new.teacher%40school.test")
  })

  it("shows the server's field problems next to their fields and says so when there were too many attempts", async () => {
    fetchMock.mockResolvedValueOnce(
      answer(400, {
        error: "body: email is too long",
        code: "invalid_request",
        fields: [{ path: "email", message: "expected at most 254 characters" }],
      }),
    )
    render(<SignInForm initialEmail="ada@school.test" onSignedIn={() => undefined} />)
    fill("Password", "a good password")
    submit()
    await waitFor(() =>
      expect(describedBy(screen.getByLabelText("Email"))).toEqual(["Expected at most 254 characters."]),
    )

    fetchMock.mockResolvedValueOnce(
      answer(429, { error: "too many attempts: wait 15 minutes and try again", code: "rate_limited" }),
    )
    submit()
    const alert = await screen.findByRole("alert")
    expect(alert.textContent).toBe("Too many sign-in attempts. Too many attempts: wait 15 minutes and try again.")
  })
})

describe("where signing in leads", () => {
  it("signs in and goes where the visitor was going", async () => {
    fetchMock.mockResolvedValue(answer(200, { token: "t0k", expires_at: "2026-02-01T00:00:00Z", user: account }))
    history.replaceState(null, "", "/sign-in?next=%2Fruns%3Fstatus%3Dfailed&email=ada%40school.test")
    render(
      <LocationProvider>
        <SignIn />
      </LocationProvider>,
    )
    expect(screen.getByRole("link", { name: "Forgot your password?" }).getAttribute("href")).toBe(
      "/forgot-password?email=ada%40school.test",
    )
    fill("Password", "correct horse battery")
    submit()
    await waitFor(() => expect(location.pathname + location.search).toBe("/runs?status=failed"))
    expect(session.value?.token).toBe("t0k")
    expect(sessionStorage.getItem("batchops.session")).toContain("t0k")
    signOut()
  })

  it("goes only to a path of this site, never elsewhere or back to sign in", () => {
    expect(safeNext("/issues?status=open")).toBe("/issues?status=open")
    expect(safeNext("/runs/42")).toBe("/runs/42")
    expect(safeNext(undefined)).toBe("/")
    expect(safeNext("")).toBe("/")
    expect(safeNext("https://evil.example/")).toBe("/")
    expect(safeNext("//evil.example/x")).toBe("/")
    expect(safeNext("/\\evil.example")).toBe("/")
    expect(safeNext("javascript:alert(1)")).toBe("/")
    expect(safeNext("/sign-in?next=/x")).toBe("/")
  })
})

describe("choosing a new password", () => {
  it("says if an account exists a code was sent, checks the two passwords, and shows the server's rules next to the password", async () => {
    history.replaceState(null, "", "/forgot-password?email=ada%40school.test")
    render(
      <LocationProvider>
        <ForgotPassword />
      </LocationProvider>,
    )
    expect((screen.getByLabelText("Email") as HTMLInputElement).value).toBe("ada@school.test")
    fetchMock.mockResolvedValueOnce(
      answer(202, { detail: "if this email has an account, a reset code is on its way to it" }),
    )
    fireEvent.click(screen.getByRole("button", { name: "Email me a code" }))
    expect((await screen.findByRole("status")).textContent).toContain(
      "If an account exists for ada@school.test, a code was sent to it.",
    )

    fill("Code from the email", "12 34-56")
    expect((screen.getByLabelText("Code from the email") as HTMLInputElement).value).toBe("123456")
    fill("New password", "a long new password")
    fill("New password again", "a different one!")
    fireEvent.click(screen.getByRole("button", { name: "Save the new password" }))
    await waitFor(() =>
      expect(describedBy(screen.getByLabelText("New password again"))).toEqual(["The two passwords are not the same."]),
    )
    expect(fetchMock).toHaveBeenCalledOnce()

    fill("New password again", "a long new password")
    fetchMock.mockResolvedValueOnce(
      answer(400, {
        error: "the password must not be your email address",
        code: "invalid_request",
        fields: [{ path: "password", message: "the password must not be your email address" }],
      }),
    )
    fireEvent.click(screen.getByRole("button", { name: "Save the new password" }))
    await waitFor(() =>
      expect(describedBy(screen.getByLabelText("New password"))).toContain(
        "The password must not be your email address.",
      ),
    )
    expect(screen.queryByRole("alert")).toBeNull()

    fetchMock.mockResolvedValueOnce(
      answer(400, { error: "the code is not valid or has expired: ask for a new one", code: "invalid_code" }),
    )
    fireEvent.click(screen.getByRole("button", { name: "Save the new password" }))
    await waitFor(() =>
      expect(describedBy(screen.getByLabelText("Code from the email"))).toContain(
        "This code is not valid or has expired. Check the email, or ask for a new code.",
      ),
    )
    const reset = JSON.parse(String((fetchMock.mock.calls[2] as [string, RequestInit])[1].body))
    expect(reset).toEqual({ email: "ada@school.test", code: "123456", password: "a long new password" })
  })
})

describe("changing one's own password", () => {
  const save = () => fireEvent.click(screen.getByRole("button", { name: "Save the new password" }))

  it("asks for the current password, shows the server's refusals next to their fields, and says the other sessions ended", async () => {
    render(<ChangePassword />)
    save()
    await waitFor(() =>
      expect(describedBy(screen.getByLabelText("Current password"))).toEqual(["Enter your current password."]),
    )
    expect(fetchMock).not.toHaveBeenCalled()

    fill("Current password", "the old passphrase")
    fill("New password", "a long new password")
    fill("New password again", "a long new password")
    fetchMock.mockResolvedValueOnce(
      answer(400, {
        error: "the current password is not right: type the password you signed in with",
        code: "invalid_request",
        fields: [{ path: "current_password", message: "the current password is not right" }],
      }),
    )
    save()
    await waitFor(() =>
      expect(describedBy(screen.getByLabelText("Current password"))).toEqual(["The current password is not right."]),
    )
    const sent = JSON.parse(String((fetchMock.mock.calls[0] as [string, RequestInit])[1].body))
    expect(sent).toEqual({ current_password: "the old passphrase", password: "a long new password" })

    fetchMock.mockResolvedValueOnce(
      answer(400, {
        error: "this password is on a list of common passwords that attackers try first: choose another",
        code: "invalid_request",
        fields: [
          { path: "password", message: "this password is on a list of common passwords that attackers try first" },
        ],
      }),
    )
    save()
    await waitFor(() =>
      expect(describedBy(screen.getByLabelText("New password"))).toContain(
        "This password is on a list of common passwords that attackers try first.",
      ),
    )

    fetchMock.mockResolvedValueOnce(answer(200, { detail: "your password is changed", signed_out: 2 }))
    save()
    expect((await screen.findByRole("status")).textContent).toBe(
      "Your password is changed. 2 other sessions were signed out; this one stays signed in.",
    )
    expect((screen.getByLabelText("Current password") as HTMLInputElement).value).toBe("")
  })
})

describe("the accounts screen", () => {
  afterEach(signOut)

  it("tells someone who is not an admin that only admins manage accounts, without asking the server", () => {
    signIn({ token: "t", user: { ...account, role: "moderator" } as Account, rights: rightsOf("moderator") })
    render(<Users />)
    expect(screen.getByRole("status").textContent).toContain("Only admins manage accounts.")
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it("lists the accounts, offers no demotion or deactivation on the admin's own row, and changes a role", async () => {
    const me = { ...account, id: "a1", username: "head", email: "head@school.test", role: "admin" }
    const other = { ...account, id: "u2", username: "rita", email: "rita@school.test", email_verified: false }
    signIn({ token: "t", user: me as Account, rights: rightsOf("admin") })
    const page = { count: 2, next: null, previous: null, results: [me, other] }
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) =>
      init.method === "PATCH" ? answer(200, { ...other, role: "moderator" }) : answer(200, page),
    )
    render(<Users />)
    const own = (await screen.findByText("head")).closest("tr") as HTMLElement
    expect(own.querySelector("select")).toBeNull()
    expect(own.textContent).not.toContain("Deactivate")
    expect(screen.getByRole("button", { name: "Deactivate rita" })).toBeTruthy()
    expect(screen.getByRole("button", { name: "Send verification code to rita" })).toBeTruthy()
    expect(String(fetchMock.mock.calls[0]?.[0])).toBe("/api/users/?page=1&page_size=25&is_active=true")

    // Preact ignores an event older than its listener: choose again until the fresh row takes it
    await waitFor(() => {
      fireEvent.change(screen.getByLabelText("Role of rita"), { target: { value: "moderator" } })
      expect(screen.getByRole("button", { name: "Save role" })).toBeTruthy()
    })
    fireEvent.click(screen.getByRole("button", { name: "Save role" }))
    await screen.findByText("rita is now moderator.")
    const patch = fetchMock.mock.calls.find(([, init]) => (init as RequestInit).method === "PATCH") as [
      string,
      RequestInit,
    ]
    expect(patch[0]).toBe("/api/users/u2/")
    expect(JSON.parse(String(patch[1].body))).toEqual({ role: "moderator" })
  })
})
