// @vitest-environment happy-dom
/**
 * The schedule form: the automation's parameters as a form from its schema, the live cron
 * field, and on save the body the API takes; the server's refusals next to the fields they name
 * (a parameter, the cron, the name another schedule has).
 */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { Automation, Job } from "../src/components/schedules/model"
import { ScheduleForm } from "../src/components/schedules/ScheduleForm"

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

const AUTOMATIONS: ReadonlyArray<Automation> = [
  {
    key: "run_daily_backup",
    description: "Backs up the database and keeps the newest ones.",
    plugin: "batchops-automations",
    params_schema: {
      properties: {
        keep: { type: "integer", minimum: 1, description: "how many backups to keep (default 7)" },
      },
    },
  },
  {
    key: "purge_old_records",
    description: "Deletes old records.",
    plugin: "batchops-automations",
    params_schema: {
      properties: {
        older_than_days: { type: "integer", minimum: 1, description: "records older than this many days" },
        dry_run: { type: "boolean", description: "count only" },
        codes: { type: "array", items: { type: "string" }, description: "the codes" },
      },
    },
  },
]

const JOB: Job = {
  id: "job_1",
  name: "Nightly backup",
  automation: "run_daily_backup",
  cron: "0 2 * * *",
  timezone: "UTC",
  enabled: true,
  params: { keep: 7 },
  misfire_policy: "coalesce_once",
  max_lateness_ms: 3_600_000,
  skip_dates: [],
  allow_overlap: false,
  run_by_hand: "admin",
  next_run_at: null,
  next_runs: [],
  description: "at 02:00 every day (UTC)",
  last_run: null,
  created_at: "2030-01-01T00:00:00.000Z",
  updated_at: "2030-01-01T00:00:00.000Z",
}

type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>
let fetchMock: ReturnType<typeof vi.fn>
let onSave: Handler

const setup = () => {
  fetchMock = vi.fn(async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, "http://host.test")
    if (url.pathname === "/api/automations/") return json(AUTOMATIONS)
    if (url.pathname === "/api/schedules/preview/") {
      return json({
        cron: url.searchParams.get("cron"),
        timezone: url.searchParams.get("timezone"),
        description: `preview of ${url.searchParams.get("cron")}`,
        next_runs: ["2030-01-02T02:00:00.000Z"],
        problems: [],
      })
    }
    return onSave(url, init)
  })
  vi.stubGlobal("fetch", fetchMock)
}

const saves = () =>
  fetchMock.mock.calls
    .map(([input, init]) => ({ url: new URL(String(input), "http://host.test"), init: (init ?? {}) as RequestInit }))
    .filter((call) => call.init.method === "POST" || call.init.method === "PATCH")

beforeEach(setup)
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe("the schedule form", () => {
  it("builds the parameters from the automation's schema and creates the schedule", async () => {
    onSave = async (_url, init) => json({ ...JOB, ...JSON.parse(String(init.body)), id: "job_new" }, 201)
    const saved = vi.fn()
    render(<ScheduleForm onSaved={saved} onCancel={() => undefined} />)
    fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Purge" } })
    const automation = await screen.findByLabelText("Automation")
    fireEvent.change(automation, { target: { value: "purge_old_records" } })
    await screen.findByText("Deletes old records.")
    fireEvent.input(screen.getByLabelText("Older than days"), { target: { value: "30" } })
    fireEvent.click(screen.getByLabelText("Dry run"))
    fireEvent.input(screen.getByLabelText("Codes"), { target: { value: "ADM, LIB" } })
    fireEvent.change(screen.getByLabelText("Time zone"), { target: { value: "America/Chicago" } })
    fireEvent.input(screen.getByLabelText("Schedule (cron)"), { target: { value: "0 3 * * 0" } })
    await screen.findByText("preview of 0 3 * * 0")
    fireEvent.input(screen.getByLabelText("Skip dates"), { target: { value: "2030-12-25, 2031-01-01" } })
    fireEvent.click(screen.getByRole("button", { name: "Create schedule" }))
    await waitFor(() => expect(saved).toHaveBeenCalled())
    const [call] = saves()
    expect(call?.url.pathname).toBe("/api/jobs/")
    expect(call?.init.method).toBe("POST")
    expect(JSON.parse(String(call?.init.body))).toEqual({
      name: "Purge",
      automation: "purge_old_records",
      params: { older_than_days: 30, dry_run: true, codes: ["ADM", "LIB"] },
      cron: "0 3 * * 0",
      timezone: "America/Chicago",
      skip_dates: ["2030-12-25", "2031-01-01"],
      misfire_policy: "coalesce_once",
      max_lateness_ms: 3_600_000,
      allow_overlap: false,
      enabled: true,
    })
    // the preview is asked again with the zone and skip dates the form holds
    const lastPreview = () =>
      fetchMock.mock.calls
        .map(([input]) => new URL(String(input), "http://host.test"))
        .filter((url) => url.pathname === "/api/schedules/preview/")
        .at(-1)
    await waitFor(() => expect(lastPreview()?.searchParams.get("skip_dates")).toBe("2030-12-25,2031-01-01"))
    expect(lastPreview()?.searchParams.get("timezone")).toBe("America/Chicago")
    expect(lastPreview()?.searchParams.get("cron")).toBe("0 3 * * 0")
  })

  it("shows the server's refusals next to the parameter and the cron they name", async () => {
    onSave = async () =>
      json(
        {
          error: "invalid params for run_daily_backup: params.keep: Expected a value greater than or equal to 1",
          code: "invalid_request",
          fields: [{ path: "params.keep", message: "Expected a value greater than or equal to 1, got 0" }],
        },
        400,
      )
    const saved = vi.fn()
    render(<ScheduleForm job={JOB} onSaved={saved} onCancel={() => undefined} />)
    const keep = await screen.findByLabelText("Keep")
    expect((keep as HTMLInputElement).value).toBe("7")
    fireEvent.input(keep, { target: { value: "0" } })
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }))
    const error = await screen.findByText("Expected a value greater than or equal to 1, got 0")
    expect((keep.getAttribute("aria-describedby") ?? "").split(" ")).toContain(error.id)
    expect(saved).not.toHaveBeenCalled()
    const [call] = saves()
    expect(call?.url.pathname).toBe("/api/jobs/job_1/")
    expect(call?.init.method).toBe("PATCH")
    expect(JSON.parse(String(call?.init.body)).params).toEqual({ keep: 0 })

    onSave = async () => json({ error: 'a job named "Nightly backup" already exists', code: "conflict" }, 409)
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }))
    const conflict = await screen.findByText('a job named "Nightly backup" already exists')
    expect((screen.getByLabelText("Name").getAttribute("aria-describedby") ?? "").split(" ")).toContain(conflict.id)
  })

  it("offers the automation's parameters as JSON too", async () => {
    onSave = async (_url, init) => json({ ...JOB, ...JSON.parse(String(init.body)) })
    const saved = vi.fn()
    render(<ScheduleForm job={JOB} onSaved={saved} onCancel={() => undefined} />)
    await screen.findByLabelText("Keep")
    fireEvent.click(screen.getByRole("button", { name: "Edit parameters as JSON" }))
    const editor = screen.getByLabelText("Parameters as JSON")
    fireEvent.input(editor, { target: { value: "{ keep: 3 }" } })
    expect(await screen.findByText(/This is not valid JSON/)).toBeTruthy()
    fireEvent.input(editor, { target: { value: '{ "keep": 3 }' } })
    await waitFor(() => expect(screen.queryByText(/This is not valid JSON/)).toBeNull())
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }))
    await waitFor(() => expect(saved).toHaveBeenCalled())
    expect(JSON.parse(String(saves()[0]?.init.body)).params).toEqual({ keep: 3 })
  })
})
