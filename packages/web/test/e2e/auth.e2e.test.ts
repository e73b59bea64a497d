/**
 * Signing in, verifying an email, choosing a new password and managing accounts, in Chromium
 * against the real host: codes are read from the mails the real SMTP server received, every
 * screen is checked with axe-core at a desktop's and a phone's width, and each step is
 * screenshotted.
 */
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { createAccount } from "@batchops/accounts"
import { type Models, UsersRepo } from "@batchops/core"
import { Effect } from "effect"
import type { Browser, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { a11yViolations, type Host, newContext, openSignedIn, screenshots, useHostAndBrowser } from "./harness"

const GRADEBOOK = resolve(import.meta.dirname, "../../../../examples/data/gradebook.csv")

describe("signing in and accounts in Chromium", () => {
  let host: Host
  let browser: Browser

  useHostAndBrowser((started, launched) => {
    host = started
    browser = launched
  })

  /** An account with a real password, made as `batchops create-admin` makes one. */
  const accountWithPassword = (role: Models.Role, email: string, password: string, verified = true) =>
    host.api.server.run(createAccount({ email, role, password, emailVerified: verified }))

  /** The 6-digit code of the latest mail to `to` whose subject has `subject`, once it arrived. */
  const mailedCode = async (to: string, subject: string, after = 0): Promise<string> => {
    let code: string | undefined
    await expect
      .poll(
        () => {
          const mail = host.smtp.received
            .slice(after)
            .filter((m) => m.rcptTo.includes(to) && (m.headers.get("subject") ?? "").includes(subject))
            .at(-1)
          code = mail?.body.match(/\b(\d{6})\b/)?.[1]
          return code
        },
        { timeout: 20_000 },
      )
      .toMatch(/^\d{6}$/)
    return code!
  }

  const accessible = async (page: Page) => expect(await a11yViolations(page)).toEqual([])

  const heading = (page: Page, name: string) => page.getByRole("heading", { level: 1, name }).waitFor()

  it("an admin signs in, makes an account; its owner verifies the email with the mailed code, signs in, uploads a gradebook, watches it publish and downloads its PDF", async () => {
    const shot = screenshots("auth-onboarding")
    await accountWithPassword("admin", "head.office@school.test", "Staff-room key 2026")
    const context = await newContext(browser)
    const page = await context.newPage()

    // the admin signs in from a link to the accounts screen and lands there
    await page.goto(`${host.url}/users`)
    await page.waitForURL(/\/sign-in\?next=%2Fusers/)
    await heading(page, "Sign in")
    await accessible(page)
    await shot(page, "sign-in")
    await page.getByLabel("Email", { exact: true }).fill("head.office@school.test")
    await page.getByLabel("Password", { exact: true }).fill("Staff-room key 2026")
    await page.getByLabel("Password", { exact: true }).press("Enter")
    await page.waitForURL(/\/users$/)
    await heading(page, "Users")
    await expect.poll(() => page.getByRole("cell", { name: "head.office@school.test" }).count()).toBe(1)
    await accessible(page)
    await shot(page, "users")

    // a new account, with a password, and a verification code mailed right away
    const sent = host.smtp.received.length
    await page.getByRole("button", { name: "New account" }).click()
    const form = page.getByRole("form", { name: "New account" })
    await form.getByLabel("Email", { exact: true }).fill("not an email")
    await form.getByRole("button", { name: "Create account" }).click()
    await expect.poll(() => form.getByText("Enter an email address like name@school.org.").count()).toBe(1)
    await form.getByLabel("Email", { exact: true }).fill("r.okafor@school.test")
    await form.getByLabel("Role").selectOption("user")
    await form.getByLabel("First name (optional)").fill("Rita")
    await form.getByLabel("Last name (optional)").fill("Okafor")
    await form.getByLabel("Password (optional)").fill("Gradebook lantern 42")
    await accessible(page)
    await shot(page, "new-account-form")
    await form.getByRole("button", { name: "Create account" }).click()
    await page.getByText("The account r.okafor (r.okafor@school.test, user) is created.").waitFor()
    const row = page.getByRole("row", { name: /r\.okafor@school\.test/ })
    await expect.poll(() => row.getByText("not verified").count()).toBe(1)
    await accessible(page)
    await shot(page, "account-created")
    const code = await mailedCode("r.okafor@school.test", "verification code", sent)

    // the admin signs out; the new user cannot sign in before verifying and is sent to verify
    await page.getByRole("button", { name: "Sign out" }).click()
    await page.waitForURL(/\/sign-in$/)
    await page.getByLabel("Email", { exact: true }).fill("r.okafor@school.test")
    await page.getByLabel("Password", { exact: true }).fill("Gradebook lantern 42")
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByText("Verify your email address before signing in.").waitFor()
    await accessible(page)
    await shot(page, "verify-first")
    await page.getByRole("alert").getByRole("link", { name: "Verify your email" }).click()
    await page.waitForURL(/\/verify-email\?email=r\.okafor%40school\.test/)
    await heading(page, "Verify your email")
    expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe("r.okafor@school.test")
    await accessible(page)
    await shot(page, "verify-email")
    await page.getByRole("button", { name: "I already have a code" }).click()
    const codeField = page.getByLabel("Code from the email")
    await codeField.fill(code === "000000" ? "111111" : "000000")
    await page.getByRole("button", { name: "Verify email" }).click()
    await page.getByText("This code is not valid or has expired.").waitFor()
    await accessible(page)
    await shot(page, "wrong-code")
    await codeField.fill(code)
    await page.getByRole("button", { name: "Verify email" }).click()

    // verified: back to sign in with the email filled in, then the dashboard
    await page.waitForURL(/\/sign-in\?email=r\.okafor%40school\.test&notice=verified/)
    await page.getByText("Your email is verified.").waitFor()
    expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe("r.okafor@school.test")
    await accessible(page)
    await shot(page, "verified")
    await page.getByLabel("Password", { exact: true }).fill("Gradebook lantern 42")
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(`${host.url}/`)
    const nav = page.getByRole("navigation", { name: "Main" })
    await expect.poll(() => nav.getByRole("link").allTextContents()).toContain("Dashboard")
    expect(await nav.getByRole("link").allTextContents()).not.toContain("Users")
    expect(await page.getByRole("banner").textContent()).toContain("r.okafor")
    await accessible(page)
    await shot(page, "dashboard")

    // a user who opens the accounts screen is told politely that only admins manage accounts
    await page.goto(`${host.url}/users`)
    await page.getByText("Only admins manage accounts.").waitFor()
    await accessible(page)
    await shot(page, "users-not-admin")

    // the same person's first upload: the gradebook, published live, its PDF downloaded
    await page.getByRole("link", { name: "Batch intake" }).click()
    await page.getByRole("heading", { name: "Batch intake" }).waitFor()
    await page.locator('input[type="file"]').setInputFiles(GRADEBOOK)
    await page.getByRole("button", { name: "Upload 1 file" }).click()
    await page.getByRole("link", { name: "Open run of gradebook.csv" }).click()
    const progress = page.getByRole("region", { name: "Progress" })
    await progress.getByText("published", { exact: true }).waitFor({ timeout: 30_000 })
    await page.getByText("Published 120 rows").waitFor()
    await accessible(page)
    await shot(page, "first-upload-published")
    const [pdf] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download PDF" }).click(),
    ])
    expect(
      readFileSync(await pdf.path())
        .subarray(0, 4)
        .toString("latin1"),
    ).toBe("%PDF")
    await context.close()
  })

  it("someone who forgot their password gets a code by mail, chooses a new one and signs in with it (phone width)", async () => {
    const shot = screenshots("auth-forgot-password")
    await accountWithPassword("moderator", "m.lindqvist@school.test", "Old timetable 1999")
    const context = await newContext(browser, 390)
    const page = await context.newPage()
    await page.goto(`${host.url}/sign-in`)
    await heading(page, "Sign in")
    await accessible(page)
    await shot(page, "sign-in")
    await page.getByLabel("Email", { exact: true }).fill("m.lindqvist@school.test")
    await page.getByRole("link", { name: "Forgot your password?" }).click()
    await page.waitForURL(/\/forgot-password\?email=m\.lindqvist%40school\.test/)
    await heading(page, "Forgot password")
    expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe("m.lindqvist@school.test")
    await accessible(page)
    await shot(page, "forgot")

    const sent = host.smtp.received.length
    await page.getByRole("button", { name: "Email me a code" }).click()
    await page.getByText("If an account exists for m.lindqvist@school.test, a code was sent to it.").waitFor()
    await accessible(page)
    await shot(page, "code-sent")
    const code = await mailedCode("m.lindqvist@school.test", "password reset code", sent)

    // the server's password rules come back next to the password
    await page.getByLabel("Code from the email").fill(code)
    await page.getByLabel("New password", { exact: true }).fill("m.lindqvist@school.test")
    await page.getByLabel("New password again").fill("m.lindqvist@school.test")
    await page.getByRole("button", { name: "Save the new password" }).click()
    await page.getByText("The password must not be your email address.").waitFor()
    expect(await page.getByLabel("New password", { exact: true }).getAttribute("aria-invalid")).toBe("true")
    await accessible(page)
    await shot(page, "password-refused")

    await page.getByLabel("New password", { exact: true }).fill("Spring term rota 7")
    await page.getByLabel("New password again").fill("Spring term rota 7")
    await page.getByRole("button", { name: "Save the new password" }).click()
    await page.waitForURL(/\/sign-in\?email=m\.lindqvist%40school\.test&notice=reset/)
    await page.getByText("Your password is changed.").waitFor()
    await accessible(page)
    await shot(page, "password-changed")

    // the old password no longer works; the new one does
    await page.getByLabel("Password", { exact: true }).fill("Old timetable 1999")
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByText("The email or the password is not right.").waitFor()
    await page.getByLabel("Password", { exact: true }).fill("Spring term rota 7")
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL(`${host.url}/`)
    await expect.poll(() => page.getByRole("banner").textContent()).toContain("Menu")
    await accessible(page)
    await shot(page, "signed-in")
    await context.close()
  })

  it("a wrong password is refused in words next to the form, at both widths", async () => {
    const shot = screenshots("auth-wrong-password")
    await accountWithPassword("user", "j.mensah@school.test", "Attendance ledger 5")
    for (const width of [1280, 390] as const) {
      const context = await newContext(browser, width)
      const page = await context.newPage()
      await page.goto(`${host.url}/sign-in?next=%2Fruns`)
      await heading(page, "Sign in")
      await page.getByRole("button", { name: "Sign in" }).click()
      await page.getByText("Enter your email address.").waitFor()
      expect(await page.getByLabel("Email", { exact: true }).getAttribute("aria-invalid")).toBe("true")
      expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("email")
      await accessible(page)
      await shot(page, `empty-${width}`)
      await page.getByLabel("Email", { exact: true }).fill("j.mensah@school.test")
      await page.getByLabel("Password", { exact: true }).fill("not the password")
      await page.getByRole("button", { name: "Sign in" }).click()
      const alert = page.getByRole("form", { name: "Sign in" }).getByRole("alert")
      await alert.waitFor()
      expect(await alert.textContent()).toContain("The email or the password is not right.")
      expect(await page.getByLabel("Password", { exact: true }).inputValue()).toBe("")
      await accessible(page)
      await shot(page, `wrong-password-${width}`)
      // the right one goes where the visitor was going
      await page.getByLabel("Password", { exact: true }).fill("Attendance ledger 5")
      await page.getByRole("button", { name: "Sign in" }).click()
      await page.waitForURL(/\/runs$/)
      await context.close()
    }
  })

  it("the verification and password screens answer the same for an unknown email, at the other width each", async () => {
    const shot = screenshots("auth-other-widths")
    // verifying at a phone's width: asking for a code for an email without an account tells nothing
    const phone = await newContext(browser, 390)
    const page = await phone.newPage()
    await page.goto(`${host.url}/verify-email`)
    await heading(page, "Verify your email")
    await page.getByRole("button", { name: "Email me a code" }).click()
    await page.getByText("Enter your email address.").waitFor()
    await accessible(page)
    await shot(page, "verify-empty-390")
    await page.getByLabel("Email", { exact: true }).fill("nobody@school.test")
    await page.getByRole("button", { name: "Email me a code" }).click()
    await page.getByText("If nobody@school.test has an account waiting for verification").waitFor()
    await page.getByRole("button", { name: "Verify email" }).click()
    await page.getByText("Enter the 6-digit code from the email.").waitFor()
    await page.getByLabel("Code from the email").fill("123456")
    await page.getByRole("button", { name: "Verify email" }).click()
    await page.getByText("This code is not valid or has expired.").waitFor()
    await accessible(page)
    await shot(page, "verify-code-390")
    // a user opening the accounts screen on a phone is told only admins manage accounts
    const user = await host.api.account("user")
    const userContext = await newContext(browser, 390)
    const userPage = await openSignedIn(userContext, host, user, "/users")
    await userPage.getByText("Only admins manage accounts.").waitFor()
    await accessible(userPage)
    await shot(userPage, "users-not-admin-390")
    await userContext.close()
    await phone.close()

    // a password reset at a desktop's width
    const desktop = await newContext(browser)
    const wide = await desktop.newPage()
    await wide.goto(`${host.url}/forgot-password`)
    await heading(wide, "Forgot password")
    await accessible(wide)
    await shot(wide, "forgot-1280")
    await wide.getByLabel("Email", { exact: true }).fill("nobody@school.test")
    await wide.getByRole("button", { name: "Email me a code" }).click()
    await wide.getByText("If an account exists for nobody@school.test, a code was sent to it.").waitFor()
    await wide.getByLabel("Code from the email").fill("654321")
    await wide.getByLabel("New password", { exact: true }).fill("Exam board 2026")
    await wide.getByLabel("New password again").fill("Exam board 2027")
    await wide.getByRole("button", { name: "Save the new password" }).click()
    await wide.getByText("The two passwords are not the same.").waitFor()
    await wide.getByLabel("New password again").fill("Exam board 2026")
    await wide.getByRole("button", { name: "Save the new password" }).click()
    await wide.getByText("This code is not valid or has expired.").waitFor()
    await accessible(wide)
    await shot(wide, "reset-1280")
    await desktop.close()
  })

  it("an admin changes a role, emails a verification code and deactivates an account after confirming (phone width)", async () => {
    const shot = screenshots("auth-manage-accounts")
    const admin = await host.api.account("admin", "deputy")
    const other = await host.api.server.run(
      Effect.flatMap(UsersRepo, (users) =>
        users.insert({ username: "p.nair", email: "p.nair@school.test", role: "user", emailVerified: false }),
      ),
    )
    const context = await newContext(browser, 390)
    const page = await openSignedIn(context, host, admin, "/users")
    await heading(page, "Users")
    const row = page.getByRole("row", { name: /p\.nair@school\.test/ })
    await row.waitFor()
    // the admin's own row offers neither demotion nor deactivation
    const own = page.getByRole("row", { name: /deputy@school\.test/ })
    expect(await own.getByRole("button", { name: /Deactivate/ }).count()).toBe(0)
    expect(await own.getByRole("combobox").count()).toBe(0)
    await accessible(page)
    await shot(page, "accounts")

    await row.getByLabel("Role of p.nair").selectOption("moderator")
    await row.getByRole("button", { name: "Save role" }).click()
    await row.getByText("p.nair is now moderator.").waitFor()
    const sent = host.smtp.received.length
    await row.getByRole("button", { name: "Send verification code to p.nair" }).click()
    await row.getByText("A verification code is on its way to p.nair@school.test").waitFor()
    await mailedCode("p.nair@school.test", "verification code", sent)
    await accessible(page)
    await shot(page, "role-changed-code-sent")

    await row.getByRole("button", { name: "Deactivate p.nair" }).click()
    const dialog = page.getByRole("dialog", { name: "Deactivate p.nair?" })
    await dialog.waitFor()
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel")
    await accessible(page)
    await shot(page, "confirm-deactivate")
    await page.keyboard.press("Escape")
    await dialog.waitFor({ state: "detached" })
    await row.getByRole("button", { name: "Deactivate p.nair" }).click()
    await dialog.getByRole("button", { name: "Deactivate" }).click()
    await page.getByText("p.nair is deactivated and signed out everywhere.").waitFor()
    const reply = await host.api.call(`/api/users/${other.id}/`, { token: admin.token })
    expect(reply.json).toMatchObject({ is_active: false, role: "moderator" })

    // deactivated accounts are listed apart, and can be reactivated
    await page.getByLabel("Status").selectOption("false")
    const gone = page.getByRole("row", { name: /p\.nair@school\.test/ })
    await gone.getByText("deactivated").waitFor()
    await accessible(page)
    await shot(page, "deactivated")
    await gone.getByRole("button", { name: "Reactivate p.nair" }).click()
    await page.getByText("p.nair can sign in again.").waitFor()
    await context.close()
  })
})
