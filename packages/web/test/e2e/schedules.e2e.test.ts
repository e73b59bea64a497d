/**
 * Schedules in a real browser against the real host (its worker runs the jobs): an admin types
 * a cron and sees it in words with its next runs (and a refused one with the server's words
 * next to the field), creates the schedule, runs it now, sees the run succeed with its steps
 * and log in the history, and pauses it. The schedules, a schedule, departments, a source's
 * records, health and the dashboard pass axe-core at a desktop's and a phone's width.
 */
import type { Browser, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { a11yViolations, type Host, newContext, openSignedIn, screenshots, useHostAndBrowser } from "./harness"

describe("schedules in Chromium", () => {
  let host: Host
  let browser: Browser
  let jobPath = ""
  const shot = screenshots("schedules")

  useHostAndBrowser((started, launched) => {
    host = started
    browser = launched
  })

  it("an admin creates a schedule as the cron says in words, runs it, sees its run and pauses it", async () => {
    const context = await newContext(browser)
    const admin = await host.api.account("admin")
    const page = await openSignedIn(context, host, admin, "/schedules")
    await page.getByRole("heading", { name: "Schedules", level: 1 }).waitFor()
    await page.getByRole("link", { name: "Ingest admissions", exact: true }).waitFor()
    await shot(page, "list")

    await page.getByRole("button", { name: "New schedule" }).click()
    await page.getByLabel("Name", { exact: true }).fill("Weekday purge count")
    await page.getByLabel("Automation").selectOption("purge_old_records")
    await page.getByLabel("Dry run").check()
    await page.getByLabel("Older than days", { exact: true }).fill("30")
    await page.getByLabel("Time zone").selectOption("America/Chicago")

    // a refused cron: the server's words next to the field, as typed
    const cron = page.getByLabel("Schedule (cron)")
    await cron.pressSequentially("0 25 * * *", { delay: 20 })
    const cronError = page.locator(".cron-field .error")
    await cronError.waitFor()
    expect(await cronError.textContent()).toMatch(/0 and 23/)
    expect(await cron.getAttribute("aria-invalid")).toBe("true")
    await shot(page, "cron-refused")

    // a good one: its words and its next five runs, in Chicago and the reader's zone
    await cron.fill("")
    await cron.pressSequentially("30 7 * * 1-5", { delay: 20 })
    const description = page.locator(".cron-description")
    await expect.poll(() => description.textContent(), { timeout: 10_000 }).toMatch(/07:30/)
    expect(await description.textContent()).toMatch(/Monday/)
    expect(await cronError.count()).toBe(0)
    const runs = page.locator(".cron-next li")
    await expect.poll(() => runs.count()).toBe(5)
    expect(await runs.first().textContent()).toContain("America/Chicago")
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "cron-in-words")

    await page.getByRole("button", { name: "Create schedule" }).click()
    await page.waitForURL(/\/schedules\/[^/?]+$/)
    jobPath = new URL(page.url()).pathname
    await page.getByRole("heading", { name: "Weekday purge count", level: 1 }).waitFor()
    await page.getByText("This schedule has not run yet.").waitFor()
    await shot(page, "created")

    // run it now: the worker runs it, the history shows it succeeded with its steps and log
    await page.getByRole("button", { name: "Run now" }).click()
    await page.getByText("A run is queued").waitFor()
    const history = page.getByRole("region", { name: "Runs of this schedule" })
    await history.locator(".badge", { hasText: "succeeded" }).waitFor({ timeout: 30_000 })
    await history.getByRole("cell", { name: "manual" }).waitFor()
    // the schedule's own summary follows: its last run succeeded
    await page.locator(".facts .badge", { hasText: "succeeded" }).waitFor()
    await shot(page, "run-succeeded")
    const toggle = history.getByRole("button", { name: /steps and log/ })
    await toggle.click()
    expect(await toggle.getAttribute("aria-expanded")).toBe("true")
    await history.getByText("survey").waitFor()
    const log = history.locator(".run-log")
    await log.waitFor()
    expect(await log.textContent()).toContain("dry run")
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "run-steps-and-log")

    // the status filter keeps the succeeded run and has no failed one
    await page.getByLabel("Status").selectOption("failed")
    await page.getByText("No failed runs.").waitFor()
    await page.getByLabel("Status").selectOption("succeeded")
    await history.locator(".badge", { hasText: "succeeded" }).waitFor()

    // pause it: it no longer runs on its schedule
    await page.getByRole("button", { name: "Pause" }).click()
    await page.getByText("Paused: it does not run until resumed.").waitFor()
    await page.getByRole("button", { name: "Resume" }).waitFor()
    await page.getByText("Paused: it does not run until it is resumed.").waitFor()
    await shot(page, "paused")
    const job = await host.api.call(`/api${jobPath.replace("/schedules/", "/jobs/")}/`, { token: admin.token })
    expect(job.json.enabled).toBe(false)
    expect(job.json.last_run.status).toBe("succeeded")
    await context.close()
  })

  it("offers a user the run but not the changes", async () => {
    const context = await newContext(browser)
    const user = await host.api.account("user")
    const page = await openSignedIn(context, host, user, "/schedules")
    await page.getByRole("link", { name: "Ingest admissions", exact: true }).waitFor()
    expect(await page.getByRole("button", { name: "New schedule" }).count()).toBe(0)
    expect(await page.getByRole("button", { name: /^Pause/ }).count()).toBe(0)
    expect(await page.getByRole("button", { name: /^Run now/ }).count()).toBeGreaterThan(0)
    await shot(page, "user-list")
    await context.close()
  })

  for (const width of [1280, 390] as const) {
    it(`passes axe-core on each of its pages at ${width} px`, async () => {
      const context = await newContext(browser, width)
      const admin = await host.api.account("admin")
      await host.api.call("/api/jobs/job_ingest_admissions/trigger/", { method: "POST", token: admin.token })
      const page = await openSignedIn(context, host, admin, "/")
      const check = async (path: string, ready: (page: Page) => Promise<unknown>, name: string) => {
        if (new URL(page.url()).pathname !== path) {
          await page.evaluate((to) => {
            history.pushState(null, "", to)
            dispatchEvent(new PopStateEvent("popstate"))
          }, path)
        }
        await ready(page)
        const violations = await a11yViolations(page)
        expect(violations, `${path} at ${width}`).toEqual([])
        await shot(page, `${name}-${width}`)
      }
      await check("/", (p) => p.getByRole("heading", { name: "Today's uploads" }).waitFor(), "dashboard")
      await check(
        "/schedules",
        (p) => p.getByRole("link", { name: "Ingest admissions", exact: true }).waitFor(),
        "schedules",
      )
      await check(
        jobPath || "/schedules/job_ingest_admissions",
        (p) => p.getByRole("heading", { name: "Run history" }).waitFor(),
        "schedule",
      )
      await check(
        "/departments",
        (p) => p.getByRole("link", { name: "Admissions applications", exact: true }).waitFor(),
        "departments",
      )
      await check(
        "/departments/src_admissions",
        (p) => p.getByRole("heading", { name: "Admissions applications records" }).waitFor(),
        "department-records",
      )
      // the report, or (a database too slow under load) the alert saying BatchOps is down
      await check("/health", (p) => p.locator(".health-summary, .alert").first().waitFor(), "health")
      await context.close()
    })
  }
})
