/**
 * The app's frame in a real browser: the host serves the build, a signed-out visitor is sent
 * to sign in, a signed-in user sees only the screens of their role, the menu works by keyboard
 * at a phone's width, and the frame passes axe-core.
 */
import type { Browser } from "playwright-core"
import { describe, expect, it } from "vitest"
import { a11yViolations, type Host, newContext, openSignedIn, screenshots, useHostAndBrowser } from "./harness"

describe("the control room's frame in Chromium", () => {
  let host: Host
  let browser: Browser
  const shot = screenshots("shell")

  useHostAndBrowser((started, launched) => {
    host = started
    browser = launched
  })

  it("sends a signed-out visitor to sign in, keeping where they were going", async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    await page.goto(`${host.url}/issues`)
    await page.waitForURL(/\/sign-in\?next=%2Fissues/)
    await shot(page, "signed-out")
    await context.close()
  })

  it("shows a user only the screens their role may use, and an admin all of them", async () => {
    const context = await newContext(browser)
    const user = await host.api.account("user")
    const page = await openSignedIn(context, host, user)
    const nav = page.getByRole("navigation", { name: "Main" })
    await expect.poll(() => nav.getByRole("link").allTextContents()).toContain("Batch intake")
    const links = await nav.getByRole("link").allTextContents()
    expect(links).not.toContain("Users")
    expect(links).not.toContain("Known errors")
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "user-frame")
    await context.close()

    const adminContext = await newContext(browser)
    const admin = await host.api.account("admin")
    const adminPage = await openSignedIn(adminContext, host, admin)
    const adminNav = adminPage.getByRole("navigation", { name: "Main" })
    await expect.poll(() => adminNav.getByRole("link").allTextContents()).toContain("Users")
    expect(await adminNav.getByRole("link").allTextContents()).toContain("Known errors")
    await adminContext.close()
  })

  it("opens the menu from the keyboard at a phone's width", async () => {
    const context = await newContext(browser, 390)
    const page = await openSignedIn(context, host, await host.api.account("moderator"), "/health")
    // the health report is an admin's: a moderator is told that BatchOps is up
    await page.locator(".health-summary", { hasText: "BatchOps is up." }).waitFor()
    const menu = page.getByRole("button", { name: "Menu" })
    await menu.focus()
    await page.keyboard.press("Enter")
    await expect.poll(() => menu.getAttribute("aria-expanded")).toBe("true")
    await page.getByRole("link", { name: "Runs" }).click()
    await page.waitForURL(/\/runs$/)
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "phone-menu")
    await context.close()
  })
})
