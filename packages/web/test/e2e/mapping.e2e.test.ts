/**
 * Column mapping that remembers, in a real browser: on Batch intake an operator previews a
 * file whose headers the attendance profile does not know, sees its rows, schema and problems,
 * confirms the suggested mapping for the department, and the preview says the file is ready;
 * the next file with the same headers (in another order) from that department, uploaded with
 * its department, publishes through the worker with no questions. Checked with axe-core at
 * 1280 px and 390 px.
 *
 * The intake's own upload button does not send the department yet (Intake.tsx's `prepare`),
 * so the last step uploads through the API, as `batchops submit --department` or a script would.
 */
import type { Browser, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { a11yViolations, type Host, newContext, openSignedIn, screenshots, useHostAndBrowser } from "./harness"

const REGISTER = "Pupil Number,Day,Present?\nS001,2026-09-01,P\nS002,2026-09-01,A\nS003,2026-09-01,late\n"
const SAME_HEADERS = "Day,Present?,Pupil Number\n2026-09-02,P,S001\n2026-09-02,A,S002\n"

const queueFile = async (page: Page, name: string, text: string, department: string) => {
  await page.getByRole("heading", { name: "Batch intake" }).waitFor()
  await page.getByLabel("Profile", { exact: true }).selectOption("attendance")
  await page.getByLabel("Department (optional)").fill(department)
  await page.locator('input[type="file"]').setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) })
  await page.getByRole("list", { name: "Upload queue" }).getByRole("listitem").filter({ hasText: name }).waitFor()
  await page.getByRole("button", { name: `Preview ${name}` }).click()
}

describe("column mapping on Batch intake in Chromium", () => {
  let host: Host
  let browser: Browser
  const shot = screenshots("mapping")

  useHostAndBrowser((started, launched) => {
    host = started
    browser = launched
  })

  it("previews a file, maps its columns for the department, and the next file publishes with no questions", async () => {
    // a moderator confirms the mapping: it decides how the department's later files read
    const account = await host.api.account("moderator")
    const context = await newContext(browser)
    const page = await openSignedIn(context, host, account, "/intake")
    await queueFile(page, "register.csv", REGISTER, "science")

    const preview = page.getByRole("region", { name: "Preview of register.csv" })
    const student = preview.getByLabel("Header for student_id")
    await student.waitFor()
    const options = await student.locator("option").allTextContents()
    expect(options.slice(0, 2)).toEqual(["Choose a header…", "Pupil Number (suggested)"])
    expect([...options.slice(2)].sort()).toEqual(["Day", "Present?"])
    expect(await student.inputValue()).toBe("Pupil Number")
    expect(await preview.getByLabel("Header for date").inputValue()).toBe("Day")
    expect(await preview.getByLabel("Header for status").inputValue()).toBe("Present?")
    const rows = preview.getByRole("region", { name: /First 3 of 3 rows of register\.csv/ })
    expect(await rows.getByRole("cell").first().textContent()).toBe("S001")
    expect(await preview.getByRole("region", { name: "Problems in register.csv" }).textContent()).toMatch(
      /Stops the run.*student_id/,
    )
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "mapping-step")

    // by keyboard: focus the confirm button and press Enter
    const confirm = preview.getByRole("button", { name: "Remember this mapping for science" })
    await confirm.focus()
    await page.keyboard.press("Enter")
    await preview.getByText(/The mapping remembered for science applies/).waitFor()
    await preview.getByText("Ready: this file can be uploaded as it is.").waitFor()
    expect(await preview.getByLabel("Header for student_id").count()).toBe(0)
    expect(await preview.getByLabel("Detected columns").textContent()).toMatch(/student_id.*date.*status/)
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "mapped-ready")
    await context.close()

    const remembered = await host.api.call("/api/column-mappings/?department=science", { token: account.token })
    expect(remembered.json.count).toBe(1)
    expect(remembered.json.results[0].mapping).toEqual({
      "Pupil Number": "student_id",
      Day: "date",
      "Present?": "status",
    })

    // the same headers in another order, from the same department: no questions, published
    const body = new FormData()
    body.set("file", new Blob([SAME_HEADERS]), "register-2.csv")
    body.set("profile", "attendance")
    body.set("department", "science")
    const created = await host.api.call("/api/uploads/", { method: "POST", token: account.token, body })
    expect(created.status, created.text).toBe(201)
    await expect
      .poll(
        async () => (await host.api.call(`/api/uploads/${created.json.id}/`, { token: account.token })).json.status,
        {
          timeout: 20_000,
        },
      )
      .toBe("published")
  }, 90_000)

  it("works at a phone's width: the mapping step for another department, and the remembered one", async () => {
    const account = await host.api.account("user")
    const context = await newContext(browser, 390)
    const page = await openSignedIn(context, host, account, "/intake")
    await queueFile(page, "register.csv", REGISTER, "history")
    const preview = page.getByRole("region", { name: "Preview of register.csv" })
    await preview.getByLabel("Header for student_id").waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "phone-mapping-step")

    await page.getByLabel("Department (optional)").fill("science")
    await preview.getByText(/The mapping remembered for science applies/).waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "phone-remembered")
    await context.close()
  }, 60_000)
})
