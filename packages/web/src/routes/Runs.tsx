/**
 * Runs: every upload, newest first, filtered by status, profile and plan (kept in the
 * address, so back and forward work), a page at a time. While a run on the page is still
 * going the list refreshes itself.
 */
import { useEffect } from "preact/hooks"
import { useLocation } from "preact-iso"
import { answerOf, client, type Page as ListPage } from "../api/client"
import { PLANS, PROFILES } from "../components/intake/plans"
import { FINAL, STATUSES, type Upload, type UploadStatus, useWho } from "../components/intake/runs"
import { Badge, Button, Field, LoadState, Page, Pager, useLoad, When } from "../components/ui"
import { can } from "../state/session"
import "./intake.css"

const PAGE_SIZE = 20

export default function Runs() {
  const { query, route, path } = useLocation()
  const status = query.status ?? ""
  const profile = query.profile ?? ""
  const mode = query.process_mode ?? ""
  const page = Math.max(1, Number.parseInt(query.page ?? "1", 10) || 1)
  const who = useWho()

  const loaded = useLoad(
    (signal) =>
      answerOf(
        client.GET("/api/uploads/", {
          params: {
            query: {
              // the filters come from the address: the server names a value it does not know
              status: (status || undefined) as UploadStatus | undefined,
              profile,
              process_mode: mode,
              page: String(page),
              page_size: String(PAGE_SIZE),
            },
          },
          signal,
        }),
      ) as Promise<ListPage<Upload>>,
    [status, profile, mode, page],
  )
  const going = loaded.data?.results.some((upload) => !FINAL.has(upload.status)) ?? false
  useEffect(() => {
    if (!going) return
    const timer = setInterval(loaded.reload, 3000)
    return () => clearInterval(timer)
  }, [going])

  const go = (change: Record<string, string | number>) => {
    const params = new URLSearchParams()
    const next = { status, profile, process_mode: mode, page: String(page), ...change }
    for (const [key, value] of Object.entries(next)) {
      if (value !== "" && !(key === "page" && String(value) === "1")) params.set(key, String(value))
    }
    const search = params.toString()
    route(`${path}${search ? `?${search}` : ""}`)
  }
  const filtered = status !== "" || profile !== "" || mode !== ""

  return (
    <Page
      title="Runs"
      actions={
        can.upload() ? (
          <a class="button button-primary" href="/intake">
            Upload files
          </a>
        ) : null
      }
    >
      <section class="card runs-filters" aria-label="Filter runs">
        <Field label="Status">
          {(props) => (
            <select {...props} value={status} onChange={(e) => go({ status: e.currentTarget.value, page: 1 })}>
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.replace("_", " ")}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Profile">
          {(props) => (
            <select {...props} value={profile} onChange={(e) => go({ profile: e.currentTarget.value, page: 1 })}>
              <option value="">Any profile</option>
              {PROFILES.filter((p) => p.id !== "auto").map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Plan">
          {(props) => (
            <select {...props} value={mode} onChange={(e) => go({ process_mode: e.currentTarget.value, page: 1 })}>
              <option value="">Any plan</option>
              {PLANS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.id}
                </option>
              ))}
            </select>
          )}
        </Field>
        {filtered ? (
          <Button variant="link" class="runs-clear" onClick={() => route(path)}>
            Clear filters
          </Button>
        ) : null}
      </section>

      <LoadState loaded={loaded}>
        {(data) => {
          const pages = Math.max(1, Math.ceil(data.count / PAGE_SIZE))
          if (data.results.length === 0) {
            return (
              <p class="card muted">
                {filtered ? (
                  "No runs match these filters."
                ) : (
                  <>
                    No uploads yet. <a href="/intake">Upload files in Batch intake</a> to start a run.
                  </>
                )}
              </p>
            )
          }
          return (
            <>
              <table class="runs-table">
                <caption class="visually-hidden">
                  Uploads, newest first: page {page} of {pages}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Status</th>
                    <th scope="col">Profile</th>
                    <th scope="col">Plan</th>
                    <th scope="col">Rows</th>
                    <th scope="col">Created</th>
                    <th scope="col">Uploaded by</th>
                  </tr>
                </thead>
                <tbody>
                  {data.results.map((upload) => (
                    <tr key={upload.id}>
                      <td data-label="File">
                        <a href={`/runs/${upload.id}`}>{upload.file_name}</a>
                      </td>
                      <td data-label="Status">
                        <Badge value={upload.status} />
                        {upload.status === "processing" ? (
                          <span class="muted"> {Math.round(upload.progress)}%</span>
                        ) : null}
                      </td>
                      <td data-label="Profile">{upload.profile}</td>
                      <td data-label="Plan">{upload.process_mode}</td>
                      <td data-label="Rows">{upload.rows ?? <span class="muted">—</span>}</td>
                      <td data-label="Created">
                        <When at={upload.created_at} />
                      </td>
                      <td data-label="Uploaded by">{who(upload.uploaded_by)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager
                page={page}
                count={data.count}
                pageSize={PAGE_SIZE}
                label="Pages of runs"
                onPage={(next) => go({ page: next })}
              >
                {" "}
                · {data.count} run{data.count === 1 ? "" : "s"}
              </Pager>
            </>
          )
        }}
      </LoadState>
    </Page>
  )
}
