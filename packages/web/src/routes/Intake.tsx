/**
 * Batch intake: choose the profile and the plan (with its editor), queue one or many files
 * (drop them or choose them), preview a file before it goes, and upload; each file then links
 * to its run.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { FilePreview } from "../components/intake/FilePreview"
import { PlanEditor } from "../components/intake/PlanEditors"
import {
  type Column,
  PLANS,
  type PlanMode,
  type PlanResult,
  PROFILES,
  readFileColumns,
} from "../components/intake/plans"
import { UploadQueue } from "../components/intake/UploadQueue"
import { Alert, Button, Field, Page } from "../components/ui"
import "./intake.css"

export default function Intake() {
  const [profile, setProfile] = useState("gradebook")
  const [mode, setMode] = useState<PlanMode>("transform")
  const [department, setDepartment] = useState("")
  const [plan, setPlan] = useState<PlanResult>({ ok: true, config: {} })
  const [showErrors, setShowErrors] = useState(false)
  const [fileColumns, setFileColumns] = useState<ReadonlyArray<Column> | null>(null)
  const [attempts, setAttempts] = useState(0)
  // an upload refused for the plan takes the operator to why
  useEffect(() => {
    if (attempts > 0) document.getElementById("plan-problem")?.focus()
  }, [attempts])
  const [previewed, setPreviewed] = useState(new Map<File, boolean>())

  const planLabel = PLANS.find((p) => p.id === mode)
  const prepare = () => {
    if (!plan.ok) {
      setShowErrors(true)
      setAttempts((n) => n + 1)
      return null
    }
    const fields: Record<string, string> = { profile, process_mode: mode, process_config: JSON.stringify(plan.config) }
    // the department's remembered column mappings apply to the upload
    if (department.trim() !== "") fields.department = department.trim()
    return fields
  }
  // the columns of the first queued file the browser can read (CSV or TSV text), for the plan editors
  const reading = useRef(0)
  const onFiles = async (files: ReadonlyArray<File>) => {
    const round = ++reading.current
    for (const file of files) {
      const columns = await readFileColumns(file).catch(() => null)
      if (round !== reading.current) return
      if (columns !== null && columns.length > 0) {
        setFileColumns(columns)
        return
      }
    }
    setFileColumns(null)
  }

  return (
    <Page title="Batch intake">
      <div class="intake">
        <section class="card" aria-labelledby="intake-plan">
          <h2 id="intake-plan">Profile and plan</h2>
          <div class="intake-settings">
            <Field label="Profile" hint={PROFILES.find((p) => p.id === profile)?.hint}>
              {(props) => (
                <select {...props} value={profile} onChange={(e) => setProfile(e.currentTarget.value)}>
                  {PROFILES.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Plan" hint={planLabel?.hint}>
              {(props) => (
                <select
                  {...props}
                  value={mode}
                  onChange={(e) => {
                    setMode(e.currentTarget.value as PlanMode)
                    setShowErrors(false)
                  }}
                >
                  {PLANS.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="Department (optional)"
              hint="Where the files come from: column mappings confirmed in a preview are remembered for the department and applied to its uploads."
            >
              {(props) => (
                <input
                  {...props}
                  value={department}
                  maxLength={100}
                  autoComplete="organization"
                  onInput={(e) => setDepartment(e.currentTarget.value)}
                />
              )}
            </Field>
          </div>
          <h3 class="plan-title">{planLabel?.label}</h3>
          <PlanEditor
            mode={mode}
            profile={profile}
            fileColumns={fileColumns}
            showErrors={showErrors}
            onChange={setPlan}
          />
          {showErrors && !plan.ok ? (
            <div id="plan-problem" tabIndex={-1}>
              <Alert>The plan is not ready: {plan.problem}</Alert>
            </div>
          ) : null}
        </section>

        <section class="card" aria-labelledby="intake-files">
          <h2 id="intake-files">Files</h2>
          <UploadQueue
            prepare={prepare}
            onFiles={onFiles}
            preview={(file, close) => (
              <section class="file-preview" aria-label={`Preview of ${file.name}`}>
                <div class="file-preview-head">
                  <strong>Preview of {file.name}</strong>
                  <Button variant="link" onClick={close}>
                    Close preview
                  </Button>
                </div>
                {previewed.has(file) ? (
                  <p class={previewed.get(file) ? "preview-ready" : "error"}>
                    {previewed.get(file)
                      ? "Ready: this file can be uploaded as it is."
                      : "This file needs attention before it is uploaded."}
                  </p>
                ) : null}
                <FilePreview
                  file={file}
                  profile={profile}
                  department={department.trim()}
                  onResolved={({ ready }) => setPreviewed((old) => new Map(old).set(file, ready))}
                />
              </section>
            )}
          />
        </section>
      </div>
    </Page>
  )
}
