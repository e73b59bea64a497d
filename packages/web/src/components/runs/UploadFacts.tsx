/** What an upload is: its profile, plan, rows, size, who sent it, when, and its checksum. */
import type { Upload } from "../intake/runs"
import { When } from "../ui"

export const UploadFacts = ({
  run,
  rows,
  who,
}: {
  run: Upload
  /** the rows read so far (the live count while it runs) */
  rows: number | null
  who: (id: string | null) => string
}) => (
  <section class="card" aria-labelledby="run-facts">
    <h2 id="run-facts">Upload</h2>
    <dl class="facts">
      <div>
        <dt>Profile</dt>
        <dd>{run.profile}</dd>
      </div>
      <div>
        <dt>Plan</dt>
        <dd>
          {run.process_mode}
          {run.process_mode === "custom" &&
          typeof (run.process_config as { note?: unknown } | null)?.note === "string" ? (
            <span class="plan-config">Note: {(run.process_config as { note: string }).note}</span>
          ) : run.process_config && Object.keys(run.process_config as object).length > 0 ? (
            <code class="plan-config">{JSON.stringify(run.process_config)}</code>
          ) : null}
        </dd>
      </div>
      <div>
        <dt>Rows</dt>
        <dd>{rows ?? "—"}</dd>
      </div>
      <div>
        <dt>Size</dt>
        <dd>{run.size.toLocaleString()} bytes</dd>
      </div>
      <div>
        <dt>Uploaded by</dt>
        <dd>{who(run.uploaded_by)}</dd>
      </div>
      <div>
        <dt>Created</dt>
        <dd>
          <When at={run.created_at} />
        </dd>
      </div>
      <div>
        <dt>Updated</dt>
        <dd>
          <When at={run.updated_at} />
        </dd>
      </div>
      <div>
        <dt>SHA-256</dt>
        <dd>
          <code class="hash">{run.sha256}</code>
        </dd>
      </div>
    </dl>
  </section>
)
