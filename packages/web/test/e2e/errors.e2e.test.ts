/**
 * When the server fails or the connection is lost, the control room says so in words, keeps
 * the person signed in, and loads again when asked once the server answers.
 */
import type { Browser, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { type Host, newContext, openSignedIn, screenshots, useHostAndBrowser } from "./harness"

describe("the control room when the server fails, in Chromium", () => {
  let host: Host
  let browser: Browser
  const shot = screenshots("errors")

  useHostAndBrowser((started, launched) => {
    host = started
    browser = launched
  })

  const alertText = (page: Page) => page.getByRole("alert").first().textContent()

  it("shows the server's words for a 500, keeps the session, and loads again on Try again", async () => {
    const context = await newContext(browser)
    const moderator = await host.api.account("moderator")
    const body = new FormData()
    body.set("file", new Blob(["Student ID,Name,Score\nS1,Ada,87\n"]), "after-the-failure.csv")
    const created = await host.api.call("/api/uploads/", { method: "POST", token: moderator.token, body })
    expect(created.status, created.text).toBe(201)
    let failing = true
    // the list answers as the host answers an unexpected failure, until it is fixed
    await context.route(
      (url) => url.pathname === "/api/uploads/",
      (route) =>
        failing && route.request().method() === "GET"
          ? route.fulfill({
              status: 500,
              contentType: "application/json",
              body: JSON.stringify({ error: "something went wrong on the server", code: "internal", request_id: "r1" }),
            })
          : route.continue(),
    )
    const page = await openSignedIn(context, host, moderator, "/runs")
    await expect.poll(() => alertText(page)).toContain("something went wrong on the server")
    await shot(page, "server-failed")
    // still signed in: the menu of a moderator is there, and the session is kept
    await expect.poll(() => page.getByRole("navigation", { name: "Main" }).getByRole("link").count()).toBeGreaterThan(1)
    expect(await page.evaluate(() => sessionStorage.getItem("batchops.session"))).not.toBeNull()
    failing = false
    await page.getByRole("button", { name: "Try again" }).click()
    await page.getByText("after-the-failure.csv").first().waitFor()
    expect(await page.getByRole("alert").count()).toBe(0)
    await context.close()
  })

  it("says BatchOps cannot be reached when the connection is lost, and loads again once it is back", async () => {
    const context = await newContext(browser)
    const moderator = await host.api.account("moderator")
    // the Runs screen's code loaded once (screens load when first opened), then back home
    const page = await openSignedIn(context, host, moderator, "/runs")
    const nav = page.getByRole("navigation", { name: "Main" })
    await page.getByRole("heading", { level: 1, name: "Runs" }).waitFor()
    await nav.getByRole("link", { name: "Dashboard" }).click()
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor()
    await context.setOffline(true)
    // moving inside the app needs no page load: the list's call is what fails
    await nav.getByRole("link", { name: "Runs" }).click()
    await page.getByRole("heading", { level: 1, name: "Runs" }).waitFor()
    await expect
      .poll(() => alertText(page))
      .toContain("BatchOps cannot be reached. Check your connection and try again.")
    await shot(page, "offline")
    expect(await page.evaluate(() => sessionStorage.getItem("batchops.session"))).not.toBeNull()
    await context.setOffline(false)
    await page.getByRole("button", { name: "Try again" }).click()
    await expect.poll(() => page.getByRole("alert").count()).toBe(0)
    await context.close()
  })
})
