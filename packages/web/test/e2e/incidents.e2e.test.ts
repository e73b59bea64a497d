/**
 * Batch issues in a real browser: a gradebook sent with a delete plan naming a column the file
 * does not have fails the pipeline and opens an incident; a moderator finds it in Batch issues
 * by its status, writes its root cause and corrective action, retries the upload with the
 * corrected plan and sees the worker's successful retry resolve it. Then a known error for the
 * failure is tested (an unsafe pattern is refused, a sample matches) and saved. A user sees
 * the incident without the workflow controls and is told who looks after known errors. Each
 * screen passes axe-core at 1280 and 390 px.
 */
import type { Browser, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { a11yViolations, type Host, newContext, openSignedIn, screenshots, useHostAndBrowser } from "./harness"

const GRADEBOOK = "Student ID,Name,Score\nS001,Ada Lovelace,91\nS002,Alan Turing,78\nS003,Grace Hopper,85\n"

describe("batch issues in Chromium", () => {
  let host: Host
  let browser: Browser
  let moderator: Awaited<ReturnType<Host["api"]["account"]>>
  let user: Awaited<ReturnType<Host["api"]["account"]>>
  let admin: Awaited<ReturnType<Host["api"]["account"]>>
  let incidentId = ""
  let uploadId = ""
  const shot = screenshots("incidents")

  useHostAndBrowser(async (started, launched) => {
    host = started
    browser = launched
    moderator = await host.api.account("moderator")
    user = await host.api.account("user")
  })

  const heading = (page: Page, name: string) => page.getByRole("heading", { level: 1, name, exact: true }).waitFor()

  it("opens an incident when a file fails the pipeline", async () => {
    const body = new FormData()
    body.set("file", new Blob([GRADEBOOK]), "Term 2 gradebook.csv")
    body.set("process_mode", "delete")
    body.set("process_config", JSON.stringify({ rules: [{ column: "house", value: "Gryffindor" }] }))
    const created = await host.api.call("/api/uploads/", { method: "POST", token: user.token, body })
    expect(created.status, created.text).toBe(201)
    uploadId = created.json.id
    await expect
      .poll(
        async () => {
          const upload = (await host.api.call(`/api/uploads/${uploadId}/`, { token: user.token })).json
          return upload.status === "failed" ? upload.incident_id : null
        },
        { timeout: 30_000, interval: 250 },
      )
      .not.toBeNull()
    incidentId = (await host.api.call(`/api/uploads/${uploadId}/`, { token: user.token })).json.incident_id
    const incident = (await host.api.call(`/api/incidents/${incidentId}/`, { token: user.token })).json
    expect(incident.status).toBe("open")
    expect(incident.error).toContain('"house" is not a column of this file')
  }, 60_000)

  it("lets a moderator filter, analyse, retry with a corrected plan and see the retry resolve it", async () => {
    const context = await newContext(browser)
    const page = await openSignedIn(context, host, moderator, "/issues")
    await heading(page, "Batch issues")
    await page.locator(`a[href="/issues/${incidentId}"]`).first().waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "list")

    await page.getByLabel("Status").selectOption("resolved")
    await page.waitForURL(/status=resolved/)
    await page.getByText("No issue matches these filters.").waitFor()
    await shot(page, "list-filtered-empty")
    await page.getByLabel("Status").selectOption("open")
    await page.waitForURL(/status=open/)
    await page.getByLabel("Severity").selectOption("")
    await page.locator(`a[href="/issues/${incidentId}"]`).first().click()
    await page.waitForURL(new RegExp(`/issues/${incidentId}$`))
    await heading(page, "Batch issue")
    await page.getByText('"house" is not a column of this file').first().waitFor()
    // the moves an open incident may make, and a link to the upload it came from
    const status = page.getByRole("region", { name: "Status" })
    expect(await status.getByRole("button").allTextContents()).toEqual([
      "Start work",
      "Resolve",
      "Archive",
      "Assign to me",
    ])
    expect(await page.getByRole("link", { name: "Term 2 gradebook.csv" }).getAttribute("href")).toBe(
      `/runs/${uploadId}`,
    )
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "detail-open")

    await status.getByRole("button", { name: "Start work" }).click()
    await status.getByText("in progress").first().waitFor()
    expect(await status.getByRole("button").allTextContents()).toEqual(["Resolve", "Archive", "Assign to me"])
    await status.getByRole("button", { name: "Assign to me" }).click()
    await status.getByRole("button", { name: "Unassign" }).waitFor()

    await page.getByLabel("Root cause").fill("The delete rule named a house column the gradebook export does not have.")
    await page.getByLabel("Corrective action").fill("Retried with the rule on the student id column.")
    await page.getByRole("button", { name: "Save analysis" }).click()
    await page.getByText("Saved.").waitFor()
    await page.getByLabel("Add a note").fill("The export's template changed last week.")
    await page.getByRole("button", { name: "Add note" }).click()
    await page.locator(".timeline").getByText("The export's template changed last week.").waitFor()
    await shot(page, "analysis-saved")

    // a correction the plan refuses is shown next to the settings
    const retry = page.getByRole("region", { name: "Retry the upload" })
    await retry.getByLabel("Plan settings (JSON, optional)").fill('{"rules": []}')
    await retry.getByRole("button", { name: "Retry the upload" }).click()
    await retry.locator(".field-invalid .error").first().waitFor()
    await shot(page, "retry-refused")

    await retry
      .getByLabel("Plan settings (JSON, optional)")
      .fill('{"rules": [{"column": "student_id", "value": "S999"}]}')
    await retry.getByRole("button", { name: "Retry the upload" }).click()
    await page.getByText("The retry succeeded: the upload is published.").waitFor({ timeout: 60_000 })
    await expect
      .poll(async () => {
        const incident = (await host.api.call(`/api/incidents/${incidentId}/`, { token: moderator.token })).json
        return incident.timeline.map((entry: { kind: string }) => entry.kind)
      })
      .toContain("resolved_by_retry")
    await page.getByText(/resolved: retry 1 succeeded/).waitFor()
    expect(await status.getByRole("button").allTextContents()).toEqual(["Reopen", "Archive", "Unassign"])
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "resolved-by-retry")
    await context.close()
  }, 120_000)

  it("tests a known error's pattern (an unsafe one is refused) and saves it", async () => {
    const context = await newContext(browser)
    const page = await openSignedIn(context, host, moderator, "/known-errors")
    await heading(page, "Known errors")
    await page
      .getByRole("table")
      .or(page.getByText(/No known errors yet/))
      .waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "known-errors")

    await page.getByRole("button", { name: "Add a known error" }).click()
    await page.getByLabel("Name").fill("delete-rule-unknown-column")
    await page.getByLabel("Pattern").fill("(a)\\1")
    await page.getByRole("button", { name: "Test the pattern" }).click()
    await page.getByText("This pattern cannot be saved:").waitFor()
    await shot(page, "pattern-refused")

    await page.getByLabel("Pattern").fill('rules\\[\\d+\\]\\.column: ".*" is not a column')
    await page.getByLabel("Sample stage").fill("transform_gradebook")
    await page
      .getByLabel("Sample message")
      .fill('process_config.rules[0].column: "house" is not a column of this file (columns: student_id, name, score)')
    await page.getByRole("button", { name: "Test the pattern" }).click()
    await page.getByText("Match: the pattern recognizes the sample message.").waitFor()
    await page.getByText(/it would recognize 1\b/).waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "pattern-matches")

    await page.getByLabel("Severity").selectOption("high")
    await page.getByLabel("Root cause").fill("A delete or append plan names a column the file does not have.")
    await page
      .getByLabel("Corrective action")
      .fill("Retry with the plan's column corrected to one of the file's columns.")
    await page.getByRole("button", { name: "Save the known error" }).click()
    await page.getByText(/delete-rule-unknown-column is saved/).waitFor()
    const row = page.getByRole("row", { name: /delete-rule-unknown-column/ })
    await row.getByText("active").waitFor()
    const saved = await host.api.call("/api/known-errors/delete-rule-unknown-column/", { token: moderator.token })
    expect(saved.json).toMatchObject({ severity: "high", active: true, stage: null })
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "known-error-saved")

    await row.getByRole("button", { name: "Deactivate delete-rule-unknown-column" }).click()
    await row.getByRole("button", { name: "Cancel" }).click()
    // deactivating asks first; the known error then stops recognizing failures
    await row.getByRole("button", { name: "Deactivate delete-rule-unknown-column" }).click()
    await shot(page, "known-error-confirm-deactivate")
    await row.getByRole("button", { name: "Yes, deactivate" }).click()
    await page.getByText(/delete-rule-unknown-column is deactivated/).waitFor()
    await row.getByText("inactive").waitFor()
    const deactivated = await host.api.call("/api/known-errors/delete-rule-unknown-column/", { token: moderator.token })
    expect(deactivated.json.active).toBe(false)
    await context.close()
  }, 60_000)

  it("shows a user the issue without the workflow, and known errors as the moderators' (at 390 px)", async () => {
    const context = await newContext(browser, 390)
    const page = await openSignedIn(context, host, user, `/issues/${incidentId}`)
    await heading(page, "Batch issue")
    await page.getByText(/Moderators and admins move an incident/).waitFor()
    expect(await page.getByRole("button", { name: "Reopen" }).count()).toBe(0)
    expect(await page.getByRole("button", { name: "Save analysis" }).count()).toBe(0)
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "user-detail-390")

    await page.goto(`${host.url}/known-errors`)
    await heading(page, "Known errors")
    await page.getByText(/looked after by moderators and admins/).waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "user-known-errors-390")
    await context.close()
  }, 60_000)

  it("lets an admin hand the incident to a colleague, and names the people in its timeline", async () => {
    admin = await host.api.account("admin")
    const context = await newContext(browser)
    const page = await openSignedIn(context, host, admin, `/issues/${incidentId}`)
    await heading(page, "Batch issue")
    const timeline = page.locator(".timeline")
    await timeline.getByText(moderator.user.username).first().waitFor()
    // only admins and moderators can be assigned: the user is not offered
    expect(await page.getByLabel("Assign to a colleague").locator("option").allTextContents()).not.toContain(
      user.user.username,
    )
    await page.getByRole("button", { name: "Assign to me" }).click()
    await timeline
      .getByText(/assigned to/)
      .nth(1)
      .waitFor()
    await page.getByLabel("Assign to a colleague").selectOption({ label: moderator.user.username })
    await page.getByRole("button", { name: "Assign", exact: true }).click()
    await expect
      .poll(async () => (await host.api.call(`/api/incidents/${incidentId}/`, { token: admin.token })).json.assignee)
      .toBe(moderator.user.id)
    await page.locator("dd").getByText(moderator.user.username).waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "admin-assigns")
    await context.close()
  }, 60_000)

  it("passes axe-core at a phone's width for a moderator's list, issue and known errors", async () => {
    const context = await newContext(browser, 390)
    const page = await openSignedIn(context, host, moderator, "/issues")
    await heading(page, "Batch issues")
    await page.locator(`a[href="/issues/${incidentId}"]`).first().waitFor()
    // the admin handed it to this moderator
    await page.getByLabel("Assigned").selectOption("me")
    await page.waitForURL(/assigned=me/)
    await page.getByText("1 issue match").waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "list-390")

    await page.locator(`a[href="/issues/${incidentId}"]`).first().click()
    await page.waitForURL(new RegExp(`/issues/${incidentId}$`))
    await heading(page, "Batch issue")
    await page.getByRole("button", { name: "Reopen" }).waitFor()
    // a moderator may not list accounts, yet is offered the colleagues the server says can be
    // assigned, and the timeline names the admin who handed the incident over
    // the colleagues come from their own request: wait for it before reading the choices
    const assignee = page.getByLabel("Assign to a colleague")
    await assignee.locator("option", { hasText: admin.user.username }).waitFor({ state: "attached" })
    const offered = await assignee.locator("option").allTextContents()
    expect(offered).toContain(admin.user.username)
    expect(offered).not.toContain(user.user.username)
    await page.locator(".timeline").getByText(admin.user.username).first().waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "detail-390")

    await page.goto(`${host.url}/known-errors`)
    await heading(page, "Known errors")
    await page.getByRole("row", { name: /delete-rule-unknown-column/ }).waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "known-errors-390")
    await page.getByRole("button", { name: "Edit delete-rule-unknown-column" }).click()
    await page.getByRole("button", { name: "Test the pattern" }).waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "known-error-edit-390")
    await context.close()
  }, 60_000)

  it("lets a moderator retry the upload in which the failure came back, with corrected settings", async () => {
    const body = new FormData()
    body.set("file", new Blob([GRADEBOOK]), "Term 3 gradebook.csv")
    body.set("process_mode", "delete")
    body.set("process_config", JSON.stringify({ rules: [{ column: "house", value: "Hufflepuff" }] }))
    const created = await host.api.call("/api/uploads/", { method: "POST", token: user.token, body })
    expect(created.status, created.text).toBe(201)
    const again = created.json.id
    await expect
      .poll(async () => (await host.api.call(`/api/uploads/${again}/`, { token: user.token })).json.status, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe("failed")
    const recurredOn = (await host.api.call(`/api/uploads/${again}/`, { token: user.token })).json.incident_id
    expect(recurredOn).toBe(incidentId)

    const context = await newContext(browser)
    const page = await openSignedIn(context, host, moderator, `/issues/${incidentId}`)
    await heading(page, "Batch issue")
    await page.getByText(/the failure happened again/).waitFor()
    expect(await page.getByRole("link", { name: "Term 3 gradebook.csv" }).getAttribute("href")).toBe(`/runs/${again}`)
    const retry = page.getByRole("region", { name: "Retry the upload" })
    await retry
      .getByLabel("Plan settings (JSON, optional)")
      .fill('{"rules": [{"column": "student_id", "value": "S999"}]}')
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "later-upload-retry")
    await retry.getByRole("button", { name: "Retry the upload" }).click()
    await page.getByText("The retry succeeded: the upload is published.").waitFor({ timeout: 60_000 })
    await expect
      .poll(async () => (await host.api.call(`/api/incidents/${incidentId}/`, { token: user.token })).json.status)
      .toBe("resolved")
    await page.getByText(/resolved: retry 2 succeeded/).waitFor()
    await shot(page, "later-upload-retry-resolved")
    await context.close()
  }, 120_000)
})
