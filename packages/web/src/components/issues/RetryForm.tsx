/**
 * Retry the upload an incident came from, as it was or with a corrected profile or plan.
 * Everyone may retry an upload as it is; correcting its profile or plan on the way is for
 * moderators and admins, who retry the incident's own upload through the incident. Other
 * roles (and a later upload whose failure recurred on the incident) retry through the upload
 * itself; the server counts both on the incident. A correction the server refuses is shown
 * next to the field it names.
 */
import { useState } from "preact/hooks"
import { ApiProblem, answerOf, type BodyOf, client } from "../../api/client"
import { can } from "../../state/session"
import { Alert, Button, Field, messageOf } from "../ui"

/** The upload as far as a retry needs it (`GET /api/uploads/:id/`). */
export interface UploadSummary {
  readonly id: string
  readonly file_name: string
  readonly status: string
  readonly profile: string
  readonly process_mode: string
  readonly process_config: Record<string, unknown>
}

const PROFILES = ["gradebook", "attendance", "roster", "generic", "auto"]
const PLANS = [
  { id: "transform", label: "Transform gradebook (summary statistics)" },
  { id: "append", label: "Append records" },
  { id: "delete", label: "Delete records" },
  { id: "custom", label: "Custom rules (a note)" },
]

const EXAMPLES: Readonly<Record<string, string>> = {
  transform: "{}",
  append: '{"records": [{"student_id": "S100", "name": "New student"}]}',
  delete: '{"rules": [{"column": "student_id", "value": "S001"}]}',
  custom: '{"note": "What people should do with this batch"}',
}

export const RetryForm = ({
  incidentId,
  upload,
  onRetried,
}: {
  /** the incident whose own upload this is (it retries through the incident), or null for a later upload */
  incidentId: string | null
  upload: UploadSummary
  /** the retry was queued */
  onRetried: () => void
}) => {
  const [profile, setProfile] = useState("")
  const [mode, setMode] = useState("")
  const [config, setConfig] = useState("")
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [configError, setConfigError] = useState<string | null>(null)

  const retry = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setConfigError(null)
    const body: Record<string, unknown> = {}
    if (profile !== "") body.profile = profile
    if (mode !== "") body.process_mode = mode
    if (config.trim() !== "") {
      let parsed: unknown
      try {
        parsed = JSON.parse(config)
      } catch {
        setConfigError("must be JSON, e.g. " + (EXAMPLES[mode || upload.process_mode] ?? "{}"))
        return
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        setConfigError("must be a JSON object")
        return
      }
      body.process_config = parsed
    }
    setBusy(true)
    try {
      // both count the retry on the upload's incident; the incident's route is for its managers
      const retry = body as BodyOf<"/api/uploads/{id}/retry/", "post">
      if (incidentId !== null && can.manageIncidents()) {
        await answerOf(client.POST("/api/incidents/{id}/retry/", { params: { path: { id: incidentId } }, body: retry }))
      } else {
        await answerOf(client.POST("/api/uploads/{id}/retry/", { params: { path: { id: upload.id } }, body: retry }))
      }
      onRetried()
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(false)
    }
  }

  const problem = error instanceof ApiProblem ? error : null
  // every problem the plan found in the settings, each with the setting it names
  const settingsProblem =
    problem?.fields
      .filter((field) => field.path === "process_config" || field.path.startsWith("process_config."))
      .map((field) =>
        field.path === "process_config"
          ? field.message
          : `${field.path.slice("process_config.".length)}: ${field.message}`,
      )
      .join("; ") || undefined
  const named = problem !== null && ["profile", "process_mode", "process_config"].some((f) => problem.field(f))
  const currentConfig = JSON.stringify(upload.process_config ?? {})
  return (
    <form onSubmit={retry} noValidate>
      <p>
        Now: profile <strong>{upload.profile}</strong>, plan <strong>{upload.process_mode}</strong>
        {currentConfig === "{}" ? null : (
          <>
            {" "}
            with <code class="pattern">{currentConfig}</code>
          </>
        )}
        .
      </p>
      {can.correctUploads() ? (
        <>
          <Field label="Profile" error={problem?.field("profile")}>
            {(props) => (
              <select {...props} value={profile} onChange={(e) => setProfile(e.currentTarget.value)}>
                <option value="">Keep {upload.profile}</option>
                {PROFILES.filter((p) => p !== upload.profile).map((p) => (
                  <option key={p} value={p}>
                    {p === "auto" ? "auto (recognize from the columns)" : p}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Plan" error={problem?.field("process_mode")}>
            {(props) => (
              <select {...props} value={mode} onChange={(e) => setMode(e.currentTarget.value)}>
                <option value="">Keep {upload.process_mode}</option>
                {PLANS.map((plan) => (
                  <option key={plan.id} value={plan.id}>
                    {plan.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Plan settings (JSON, optional)"
            hint={<>For example {EXAMPLES[mode || upload.process_mode] ?? "{}"}. Leave empty to keep the settings.</>}
            error={configError ?? settingsProblem}
          >
            {(props) => (
              <textarea
                {...props}
                rows={3}
                spellcheck={false}
                value={config}
                onInput={(e) => setConfig(e.currentTarget.value)}
              />
            )}
          </Field>
        </>
      ) : (
        <p>Retried as it is: changing the profile or plan is for admins and moderators.</p>
      )}
      {error && !named ? <Alert>{messageOf(error)}</Alert> : null}
      <Button type="submit" busy={busy}>
        Retry the upload
      </Button>
    </form>
  )
}
