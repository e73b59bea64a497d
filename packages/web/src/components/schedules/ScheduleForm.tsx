/**
 * Creating or changing a schedule (admins): its name, the automation and its parameters, the
 * cron with its live words and next runs, the time zone, skip dates and what to do with runs
 * missed while the scheduler was down. The server's refusals show next to the field they name.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, type BodyOf, client } from "../../api/client"
import { Alert, CheckField, Field, LoadState, messageOf, SaveOrCancel, useLoad } from "../ui"
import { CronField, type PreviewState, previewProblem } from "./CronField"
import { type Automation, type Job, MISFIRE_POLICIES, type MisfirePolicy, readerZone, timeZones } from "./model"
import { ParamsForm } from "./ParamsForm"

interface Draft {
  name: string
  automation: string
  params: Record<string, unknown>
  cron: string
  timezone: string
  skipDates: string
  misfirePolicy: MisfirePolicy
  lateMinutes: string
  allowOverlap: boolean
  enabled: boolean
}

const draftOf = (job: Job | undefined): Draft => ({
  name: job?.name ?? "",
  automation: job?.automation ?? "",
  params: { ...(job?.params ?? {}) },
  cron: job?.cron ?? "",
  timezone: job?.timezone ?? (timeZones("").includes(readerZone()) ? readerZone() : "UTC"),
  skipDates: job?.skip_dates.join(", ") ?? "",
  misfirePolicy: (job?.misfire_policy ?? "coalesce_once") as MisfirePolicy,
  lateMinutes: String(Math.round((job?.max_lateness_ms ?? 3_600_000) / 60_000)),
  allowOverlap: job?.allow_overlap ?? false,
  enabled: job?.enabled ?? true,
})

const skipList = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((date) => date.trim())
    .filter((date) => date !== "")

export const ScheduleForm = ({
  job,
  onSaved,
  onCancel,
}: {
  /** the schedule to change; a new one when absent */
  job?: Job
  onSaved: (job: Job) => void
  onCancel: () => void
}) => {
  const automations = useLoad(
    (signal): Promise<ReadonlyArray<Automation>> => answerOf(client.GET("/api/automations/", { signal })),
    [],
  )
  const [draft, setDraft] = useState<Draft>(() => draftOf(job))
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined)
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [saving, setSaving] = useState(false)
  const [preview, setPreview] = useState<PreviewState>({ status: "idle" })
  const onPreview = useCallback((state: PreviewState) => setPreview(state), [])
  // the form opens where the keyboard is: its heading takes the focus
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((previous) => ({ ...previous, [key]: value }))
  const zones = timeZones(draft.timezone)
  const skipDates = skipList(draft.skipDates).join(",")
  const lateMinutes = Number(draft.lateMinutes)
  const lateError =
    draft.lateMinutes.trim() === "" || !Number.isInteger(lateMinutes) || lateMinutes < 0 || lateMinutes > 10_080
      ? "Give a whole number of minutes from 0 to 10080 (a week)."
      : undefined

  const save = async (event: Event) => {
    event.preventDefault()
    setProblem(undefined)
    setFailure(undefined)
    if (lateError) return
    setSaving(true)
    const body: BodyOf<"/api/jobs/", "post"> = {
      name: draft.name.trim(),
      automation: draft.automation,
      params: draft.params,
      cron: draft.cron,
      timezone: draft.timezone,
      skip_dates: skipList(draft.skipDates),
      misfire_policy: draft.misfirePolicy,
      max_lateness_ms: lateMinutes * 60_000,
      allow_overlap: draft.allowOverlap,
      enabled: draft.enabled,
    }
    try {
      const saved = job
        ? await answerOf(client.PATCH("/api/jobs/{id}/", { params: { path: { id: job.id } }, body }))
        : await answerOf(client.POST("/api/jobs/", { body }))
      onSaved(saved)
    } catch (error) {
      if (error instanceof ApiProblem && (error.fields.length > 0 || error.status === 409)) setProblem(error)
      else setFailure(messageOf(error))
    } finally {
      setSaving(false)
    }
  }

  // a name another schedule has (409) belongs next to the name
  const nameError = problem?.field("name") ?? (problem?.status === 409 ? problem.message : undefined)
  const known = new Set(["name", "automation", "params", "cron", "timezone", "skip_dates", "misfire_policy"])
  const other = problem?.fields.filter((field) => !known.has(field.path.split(".")[0] ?? "")) ?? []
  const zoneError = previewProblem(preview, "timezone") ?? problem?.field("timezone")
  const skipError = previewProblem(preview, "skip_dates") ?? problem?.field("skip_dates")
  const skipNotes = preview.preview?.problems.filter((note) => note.path === "skip_dates").map((note) => note.message)

  return (
    <form class="card schedule-form" onSubmit={save} noValidate aria-labelledby="schedule-form-title">
      <h2 id="schedule-form-title" tabIndex={-1} ref={heading}>
        {job ? `Edit ${job.name}` : "New schedule"}
      </h2>
      {failure ? <Alert>{failure}</Alert> : null}
      {other.length > 0 ? <Alert>{other.map((field) => `${field.path}: ${field.message}`).join("; ")}</Alert> : null}
      <Field label="Name" error={nameError}>
        {(props) => (
          <input
            {...props}
            name="name"
            required
            maxLength={200}
            value={draft.name}
            onInput={(event) => set("name", event.currentTarget.value)}
          />
        )}
      </Field>
      <LoadState loaded={automations}>
        {(list) => {
          const chosen = list.find((automation) => automation.key === draft.automation)
          return (
            <>
              <Field label="Automation" hint={chosen?.description} error={problem?.field("automation")}>
                {(props) => (
                  <select
                    {...props}
                    name="automation"
                    required
                    value={draft.automation}
                    onChange={(event) => {
                      const key = event.currentTarget.value
                      setDraft((previous) => ({
                        ...previous,
                        automation: key,
                        // parameters belong to their automation: keep them only when it stays
                        params: key === job?.automation ? { ...(job?.params ?? {}) } : {},
                      }))
                    }}
                  >
                    <option value="">Choose an automation</option>
                    {list.map((automation) => (
                      <option key={automation.key} value={automation.key}>
                        {automation.key}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <ParamsForm
                key={draft.automation}
                automation={chosen}
                value={draft.params}
                onChange={(params) => set("params", params)}
                problem={problem}
              />
            </>
          )
        }}
      </LoadState>
      <div class="schedule-when">
        <Field label="Time zone" hint="The schedule's times are in this zone." error={zoneError}>
          {(props) => (
            <select
              {...props}
              name="timezone"
              value={draft.timezone}
              onChange={(event) => set("timezone", event.currentTarget.value)}
            >
              {zones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone.replaceAll("_", " ")}
                </option>
              ))}
            </select>
          )}
        </Field>
        <CronField
          value={draft.cron}
          onInput={(cron) => set("cron", cron)}
          timezone={draft.timezone}
          skipDates={skipDates}
          saveError={problem?.field("cron")}
          onPreview={onPreview}
        />
        <Field
          label="Skip dates"
          hint={
            <>
              Local dates on which it does not run (school holidays), as YYYY-MM-DD separated by commas.
              {skipNotes && skipNotes.length > 0 ? <span class="cron-note"> {skipNotes.join(" ")}</span> : null}
            </>
          }
          error={skipError}
        >
          {(props) => (
            <input
              {...props}
              name="skip_dates"
              placeholder="2026-12-25, 2027-01-01"
              value={draft.skipDates}
              onInput={(event) => set("skipDates", event.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <div class="grid">
        <Field
          label="Missed runs"
          hint="What to do with the times missed while the scheduler was down."
          error={problem?.field("misfire_policy")}
        >
          {(props) => (
            <select
              {...props}
              name="misfire_policy"
              value={draft.misfirePolicy}
              onChange={(event) => set("misfirePolicy", event.currentTarget.value as MisfirePolicy)}
            >
              {MISFIRE_POLICIES.map((policy) => (
                <option key={policy.value} value={policy.value}>
                  {policy.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Late by at most (minutes)"
          hint="A run later than this counts as missed."
          error={lateError ?? problem?.field("max_lateness_ms")}
        >
          {(props) => (
            <input
              {...props}
              name="max_lateness"
              type="number"
              inputMode="numeric"
              min={0}
              max={10_080}
              step={1}
              value={draft.lateMinutes}
              onInput={(event) => set("lateMinutes", event.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <CheckField
        name="allow_overlap"
        checked={draft.allowOverlap}
        onChange={(checked) => set("allowOverlap", checked)}
      >
        A run may start while the previous one still runs
      </CheckField>
      <CheckField name="enabled" checked={draft.enabled} onChange={(checked) => set("enabled", checked)}>
        Enabled (runs on its schedule)
      </CheckField>
      <SaveOrCancel saving={saving} label={job ? "Save changes" : "Create schedule"} onCancel={onCancel} />
    </form>
  )
}
