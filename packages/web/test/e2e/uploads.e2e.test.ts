/**
 * Uploads in a real browser: a user queues the seed's gradebook (chosen with the file input,
 * and dropped on the drop zone), uploads it, watches its run publish live, downloads the PDF;
 * an append plan built in the records table publishes with the records; a file the server
 * refuses shows the server's words. Intake, runs and a run pass axe-core at 1280 and 390 px.
 */
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import type { Browser, Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { a11yViolations, type Host, newContext, openSignedIn, screenshots, useHostAndBrowser } from "./harness"

const GRADEBOOK = resolve(import.meta.dirname, "../../../../examples/data/gradebook.csv")

/** Drops `text` as a file named `name` on the intake's drop zone, as a dragged file would be. */
const dropFile = async (page: Page, name: string, text: string) => {
  const dataTransfer = await page.evaluateHandle(
    ({ name, text }) => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([text], name, { type: "text/csv" }))
      return transfer
    },
    { name, text },
  )
  await page.dispatchEvent('[data-testid="drop-zone"]', "dragenter", { dataTransfer })
  await page.dispatchEvent('[data-testid="drop-zone"]', "drop", { dataTransfer })
}

describe("uploads in Chromium", () => {
  let host: Host
  let browser: Browser
  const shot = screenshots("uploads")

  useHostAndBrowser((started, launched) => {
    host = started
    browser = launched
  })

  it("uploads the gradebook through the intake, watches it publish live and downloads its PDF", async () => {
    const context = await newContext(browser)
    const user = await host.api.account("user")
    const page = await openSignedIn(context, host, user, "/intake")
    await page.getByRole("heading", { name: "Batch intake" }).waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "intake-empty")

    await page.locator('input[type="file"]').setInputFiles(GRADEBOOK)
    const queue = page.getByRole("list", { name: "Upload queue" })
    await queue.getByRole("listitem").filter({ hasText: "gradebook.csv" }).waitFor()
    expect(await queue.getByText("waiting").count()).toBe(1)
    await shot(page, "intake-queued")

    // a preview reads the file on the server before it goes
    await page.getByRole("button", { name: "Preview gradebook.csv" }).click()
    const preview = page.getByRole("region", { name: "Preview of gradebook.csv" })
    await preview.getByText("Ready: this file can be uploaded as it is.").waitFor({ timeout: 30_000 })
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "intake-preview")
    await preview.getByRole("button", { name: "Close preview" }).click()

    await page.getByRole("button", { name: "Upload 1 file" }).click()
    const runLink = page.getByRole("link", { name: "Open run of gradebook.csv" })
    await runLink.waitFor()
    expect(await page.getByRole("progressbar", { name: "Upload of gradebook.csv" }).getAttribute("value")).toBe("100")
    // the queue follows the run it started
    await queue.getByText("published", { exact: true }).waitFor({ timeout: 30_000 })
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "intake-uploaded")

    await runLink.click()
    await page.waitForURL(/\/runs\/[0-9a-f-]+$/)
    await page.getByRole("heading", { name: "Run of gradebook.csv" }).waitFor()
    const progress = page.getByRole("region", { name: "Progress" })
    await progress.getByText("published", { exact: true }).waitFor({ timeout: 30_000 })
    const stages = progress.getByRole("listitem")
    expect(await stages.count()).toBe(5)
    for (let i = 0; i < 5; i++) await stages.nth(i).getByText("ok", { exact: true }).waitFor()
    expect(await stages.nth(0).textContent()).toContain("rows in 0, out 120")
    await page.getByText("Published 120 rows").waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "run-published")

    await page.getByText("Step log of standardize").click()
    await page.getByText("delimiter").first().waitFor()
    await shot(page, "run-step-log")

    const [pdf] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download PDF" }).click(),
    ])
    expect(pdf.suggestedFilename()).toBe("gradebook.summary.pdf")
    const bytes = readFileSync(await pdf.path())
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("%PDF")
    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV" }).click(),
    ])
    expect(readFileSync(await csv.path(), "utf8")).toContain("column,count,missing,mean,std,min,p25,median,p75,max")

    await page.getByRole("link", { name: "All runs" }).click()
    await page.waitForURL(/\/runs$/)
    const row = page.getByRole("row", { name: /gradebook\.csv/ })
    await row.waitFor()
    expect(await row.textContent()).toContain("published")
    expect(await row.textContent()).toContain("(you)")
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "runs")

    await page.getByLabel("Status").selectOption("failed")
    await page.waitForURL(/status=failed/)
    await page.getByText("No runs match these filters.").waitFor()
    await shot(page, "runs-filtered-empty")
    await context.close()
  })

  it("publishes an append plan built in the records table, checking each cell next to it", async () => {
    const context = await newContext(browser)
    const user = await host.api.account("user")
    const page = await openSignedIn(context, host, user, "/intake")
    await page.getByRole("heading", { name: "Batch intake" }).waitFor()

    await dropFile(page, "gradebook-term2.csv", readFileSync(GRADEBOOK, "utf8"))
    await page
      .getByRole("list", { name: "Upload queue" })
      .getByRole("listitem")
      .filter({ hasText: "gradebook-term2.csv" })
      .waitFor()

    await page.getByLabel("Plan", { exact: true }).selectOption("append")
    await page.getByRole("button", { name: "Use the file's columns" }).click()
    const id = page.getByLabel("student_id, record 1")
    await id.fill("STU 9001")
    await page.getByText("No spaces in an identifier.").waitFor()
    expect(await id.getAttribute("aria-invalid")).toBe("true")
    await page.getByLabel("math, record 1").fill("eighty")
    await page.getByText("Must be a number, e.g. 87 or 87%.").waitFor()
    await shot(page, "append-invalid")

    // the upload is refused in the browser while a cell is wrong
    await page.getByRole("button", { name: "Upload 1 file" }).click()
    await page.getByText("The plan is not ready: 2 cells need fixing in the records to add.").waitFor()

    await id.fill("STU-2024-9001")
    await page.getByLabel("first_name, record 1").fill("Ada")
    await page.getByLabel("math, record 1").fill("91.5")
    await page.getByLabel("english, record 1").fill("88%")
    await page.getByRole("button", { name: "Add record" }).click()
    await page.getByLabel("student_id, record 2").fill("STU-2024-9002")
    await page.getByLabel("science, record 2").fill("77")
    expect(await page.getByText("No spaces in an identifier.").count()).toBe(0)
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "append-table")

    await page.getByRole("button", { name: "Upload 1 file" }).click()
    await page.getByRole("link", { name: "Open run of gradebook-term2.csv" }).click()
    const progress = page.getByRole("region", { name: "Progress" })
    await progress.getByText("published", { exact: true }).waitFor({ timeout: 30_000 })
    await page.getByText("Published 122 rows").waitFor()
    await shot(page, "append-published")

    const runId = page.url().split("/").pop() ?? ""
    const run = await host.api.call(`/api/uploads/${runId}/`, { token: user.token })
    expect(run.json.process_mode).toBe("append")
    expect(run.json.process_config).toEqual({
      records: [
        { student_id: "STU-2024-9001", first_name: "Ada", math: "91.5", english: "88%" },
        { student_id: "STU-2024-9002", science: "77" },
      ],
    })
    expect(run.json.rows).toBe(122)
    await context.close()
  })

  it("holds a mass change for a moderator's approval, and lets anyone retry a failed run", async () => {
    const user = await host.api.account("user")
    const moderator = await host.api.account("moderator")
    const submit = async (name: string, bytes: BlobPart, mode: string, config: unknown) => {
      const form = new FormData()
      form.set("file", new Blob([bytes]), name)
      form.set("process_mode", mode)
      form.set("process_config", JSON.stringify(config))
      const reply = await host.api.call("/api/uploads/", { method: "POST", token: user.token, body: form })
      expect(reply.status).toBe(201)
      return reply.json.id as string
    }
    // 50 of 120 rows: more than the 20% a run may change without approval
    const held = await submit("gradebook.csv", readFileSync(GRADEBOOK), "delete", {
      rules: [
        { column: "class", value: "9A" },
        { column: "class", value: "10A" },
      ],
    })

    const userContext = await newContext(browser)
    const userPage = await openSignedIn(userContext, host, user, `/runs/${held}`)
    await userPage.getByRole("heading", { name: "Waiting for approval" }).waitFor({ timeout: 30_000 })
    await userPage.getByText("A moderator or an admin decides whether this change is published.").waitFor()
    expect(await userPage.getByRole("button", { name: "Approve and publish" }).count()).toBe(0)
    expect(await a11yViolations(userPage)).toEqual([])
    await shot(userPage, "held-as-user")

    const modContext = await newContext(browser)
    const modPage = await openSignedIn(modContext, host, moderator, `/runs/${held}`)
    await modPage.getByRole("heading", { name: "Waiting for approval" }).waitFor({ timeout: 30_000 })
    const affected = modPage.getByRole("region", { name: "Rows the plan changes" })
    expect(await affected.getByRole("row").count()).toBeGreaterThan(1)
    await modPage.getByLabel("Note (optional)").fill("End of term clean-up, checked with the office")
    expect(await a11yViolations(modPage)).toEqual([])
    await shot(modPage, "held-as-moderator")
    await modPage.getByRole("button", { name: "Approve and publish" }).click()
    await modPage
      .getByRole("region", { name: "Progress" })
      .getByText("published", { exact: true })
      .waitFor({ timeout: 30_000 })
    await modPage.getByRole("region", { name: "Timeline" }).getByText("approved", { exact: true }).waitFor()
    await shot(modPage, "approved-published")
    await modContext.close()

    // a file with a header and no rows fails in validation: an incident, and a retry for anyone
    const failed = await submit("empty.csv", "student_id,math\n", "transform", {})
    await userPage.goto(`${host.url}/runs/${failed}`)
    await userPage.getByText("The run failed").waitFor({ timeout: 30_000 })
    const incident = userPage.getByRole("link", { name: /Open the incident/ })
    expect(await incident.getAttribute("href")).toMatch(/^\/issues\/[0-9a-f-]+$/)
    expect(await a11yViolations(userPage)).toEqual([])
    await shot(userPage, "failed-run")
    await userPage.getByRole("button", { name: "Retry" }).click()
    await userPage
      .getByRole("region", { name: "Timeline" })
      .getByText("retry", { exact: true })
      .waitFor({ timeout: 30_000 })
    await userPage.getByText("The run failed").waitFor({ timeout: 30_000 })
    await shot(userPage, "retried-run")
    await userContext.close()
  })

  it("shows the server's words for a file it refuses", async () => {
    const context = await newContext(browser)
    const page = await openSignedIn(context, host, await host.api.account("user"), "/intake")
    await page.getByRole("heading", { name: "Batch intake" }).waitFor()
    await page.locator('input[type="file"]').setInputFiles([
      {
        name: "photo.csv",
        mimeType: "text/csv",
        buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0]),
      },
    ])
    await page.getByRole("button", { name: "Upload 1 file" }).click()
    await page.getByText("the file is a PNG image, whatever its name says").waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "refused-file")
    await context.close()
  })

  it("keeps intake, runs and a run usable at a phone's width", async () => {
    const user = await host.api.account("user")
    const form = new FormData()
    form.set("file", new Blob([readFileSync(GRADEBOOK)]), "gradebook.csv")
    form.set("process_mode", "custom")
    form.set("process_config", JSON.stringify({ note: "Term 1 gradebook, checked by the office" }))
    const submitted = await host.api.call("/api/uploads/", { method: "POST", token: user.token, body: form })
    expect(submitted.status).toBe(201)

    const context = await newContext(browser, 390)
    const page = await openSignedIn(context, host, user, "/intake")
    await page.getByRole("heading", { name: "Batch intake" }).waitFor()
    await page.getByLabel("Plan", { exact: true }).selectOption("delete")
    await page.getByLabel("Rule 1: column").fill("class")
    await page.getByLabel("Rule 1: value").fill("9A")
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "phone-intake-delete")
    await page.getByLabel("Plan", { exact: true }).selectOption("append")
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "phone-intake-append")

    await page.goto(`${host.url}/runs`)
    await page.getByRole("link", { name: "gradebook.csv" }).first().waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "phone-runs")

    await page.goto(`${host.url}/runs/${submitted.json.id}`)
    await page
      .getByRole("region", { name: "Progress" })
      .getByText("published", { exact: true })
      .waitFor({ timeout: 30_000 })
    await page
      .getByRole("region", { name: "Upload" })
      .getByText("Note: Term 1 gradebook, checked by the office")
      .waitFor()
    expect(await a11yViolations(page)).toEqual([])
    await shot(page, "phone-run")
    await context.close()
  })
})
