/**
 * Batch issues: the incidents failures opened, newest first, filtered by status and severity
 * (kept in the address, so a filtered list can be shared and the back button returns to it),
 * a page at a time; and the failures that keep recurring, by group.
 */
import { useLocation } from "preact-iso"
import { type Page as ApiPage, answerOf, client } from "../api/client"
import {
  age,
  type Incident,
  type IncidentStatus,
  SEVERITIES,
  type Severity,
  STATUSES,
  statusLabel,
} from "../components/issues/types"
import { Badge, Button, Field, LoadState, Page, Pager, useLoad, When } from "../components/ui"
import { session } from "../state/session"
import "../components/issues/issues.css"

const PAGE_SIZE = 25

const shorten = (text: string, length = 140) => (text.length > length ? `${text.slice(0, length - 1)}…` : text)

export default function Issues() {
  const { query, path, route } = useLocation()
  const status = query.status ?? ""
  const severity = query.severity ?? ""
  /** "me", "none" or empty */
  const assigned = query.assigned ?? ""
  const me = session.value?.user.id
  const page = Math.max(1, Number.parseInt(query.page ?? "1", 10) || 1)

  const go = (next: Record<string, string>) => {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries({ status, severity, assigned, page: String(page), ...next })) {
      if (value !== "" && !(key === "page" && value === "1")) params.set(key, value)
    }
    const search = params.toString()
    route(`${path}${search === "" ? "" : `?${search}`}`)
  }

  const incidents = useLoad(
    (signal) =>
      answerOf(
        client.GET("/api/incidents/", {
          params: {
            query: {
              // the filters come from the address: the server names a value it does not know
              status: (status || undefined) as IncidentStatus | undefined,
              severity: (severity || undefined) as Severity | undefined,
              assignee: assigned === "me" ? me : assigned === "none" ? "none" : undefined,
              page: String(page),
              page_size: String(PAGE_SIZE),
            },
          },
          signal,
        }),
      ) as Promise<ApiPage<Incident>>,
    [status, severity, assigned, page],
  )
  const groups = useLoad(
    (signal) => answerOf(client.GET("/api/incident-groups/", { params: { query: { page_size: "10" } }, signal })),
    [],
  )
  const filtered = status !== "" || severity !== "" || assigned !== ""

  return (
    <Page title="Batch issues">
      <form class="filters card" aria-label="Filter the issues" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          {(props) => (
            <select {...props} value={status} onChange={(e) => go({ status: e.currentTarget.value, page: "1" })}>
              <option value="">Any status</option>
              {STATUSES.map((value) => (
                <option key={value} value={value}>
                  {statusLabel(value)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Severity">
          {(props) => (
            <select {...props} value={severity} onChange={(e) => go({ severity: e.currentTarget.value, page: "1" })}>
              <option value="">Any severity</option>
              {SEVERITIES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Assigned">
          {(props) => (
            <select {...props} value={assigned} onChange={(e) => go({ assigned: e.currentTarget.value, page: "1" })}>
              <option value="">To anyone or nobody</option>
              <option value="me">To me</option>
              <option value="none">To nobody</option>
            </select>
          )}
        </Field>
        {filtered ? (
          <div class="field">
            <Button variant="secondary" onClick={() => go({ status: "", severity: "", assigned: "", page: "1" })}>
              Clear filters
            </Button>
          </div>
        ) : null}
      </form>

      <LoadState loaded={incidents}>
        {(data) =>
          data.count === 0 ? (
            <p class="card">
              {filtered
                ? "No issue matches these filters."
                : "No batch issues: every failure of the pipeline or of a scheduled job opens one here."}
            </p>
          ) : (
            <>
              <p class="muted" aria-live="polite">
                {data.count} {data.count === 1 ? "issue" : "issues"}
                {filtered ? " match" : ""}
                {incidents.loading ? " (updating…)" : ""}
              </p>
              <div class="table-wrap">
                <table class="stack-table">
                  <caption class="muted table-caption">Newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Issue</th>
                      <th scope="col">Status</th>
                      <th scope="col">Severity</th>
                      <th scope="col">Known error</th>
                      <th scope="col">Age</th>
                      <th scope="col">Retries</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.results.map((incident) => (
                      <tr key={incident.id}>
                        <td data-label="Issue">
                          <div>
                            <a href={`/issues/${incident.id}`}>{incident.stage}</a>
                            <div class="muted">{shorten(incident.error)}</div>
                          </div>
                        </td>
                        <td data-label="Status">
                          <Badge value={incident.status} />
                        </td>
                        <td data-label="Severity">
                          <Badge value={incident.severity} />
                        </td>
                        <td data-label="Known error">{incident.known_error ?? <span class="muted">none</span>}</td>
                        <td data-label="Age">
                          <span title={new Date(incident.created_at).toLocaleString()}>{age(incident.created_at)}</span>
                        </td>
                        <td data-label="Retries">{incident.retry_count}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {data.count <= PAGE_SIZE && page === 1 ? null : (
                <Pager
                  page={page}
                  count={data.count}
                  pageSize={PAGE_SIZE}
                  label="Pages of issues"
                  onPage={(next) => go({ page: String(next) })}
                />
              )}
            </>
          )
        }
      </LoadState>

      <h2>Recurring failures</h2>
      <LoadState loaded={groups}>
        {(data) =>
          data.count === 0 ? (
            <p class="muted">No failure has been grouped yet.</p>
          ) : (
            <div class="table-wrap">
              <table class="stack-table">
                <thead>
                  <tr>
                    <th scope="col">Stage</th>
                    <th scope="col">Failure</th>
                    <th scope="col">Occurrences</th>
                    <th scope="col">Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {data.results.map((group) => (
                    <tr key={group.fingerprint}>
                      <td data-label="Stage">{group.stage}</td>
                      <td data-label="Failure">
                        <div>
                          {group.incident_id ? (
                            <a href={`/issues/${group.incident_id}`}>{shorten(group.message_pattern, 100)}</a>
                          ) : (
                            shorten(group.message_pattern, 100)
                          )}
                          {group.known_error ? <div class="muted">Known error: {group.known_error}</div> : null}
                        </div>
                      </td>
                      <td data-label="Occurrences">{group.count}</td>
                      <td data-label="Last seen">
                        <When at={group.last_seen} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </LoadState>
    </Page>
  )
}
