/**
 * A schedule's runs, newest first, filtered by status and paged; each opens to its steps, its
 * log and why it failed. While a run waits or runs, the list looks again every two seconds.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { answerOf, client } from "../../api/client"
import { session } from "../../state/session"
import { Badge, Button, Field, LoadState, useLoad, When } from "../ui"
import { KeyValues } from "./KeyValues"
import { duration, type JobRun, type JobRunDetail, RUN_STATUSES } from "./model"

const PAGE_SIZE = 20

/** One run's steps, log and error; loaded again when its status changes (a run that finishes). */
const RunDetailRow = ({ id, status, columns }: { id: string; status: string; columns: number }) => {
  const loaded = useLoad(
    (signal): Promise<JobRunDetail> =>
      answerOf(client.GET("/api/job-runs/{id}/", { params: { path: { id } }, signal })),
    [id, status],
  )
  return (
    <tr class="run-detail" id={`run-${id}-detail`}>
      <td colSpan={columns}>
        <LoadState loaded={loaded}>
          {(run) => (
            <div>
              {run.error ? (
                <p class="error">
                  <strong>Why it failed:</strong> {run.error}
                </p>
              ) : null}
              <h3 class="run-heading">Steps</h3>
              {run.steps.length === 0 ? (
                <p class="muted">No steps recorded{run.status === "queued" ? " yet" : ""}.</p>
              ) : (
                <ol class="steps">
                  {run.steps.map((step, i) => (
                    <li key={`${step.name}-${i}`}>
                      <strong>{step.name}</strong> <When at={step.at} />
                      <KeyValues value={step.details} empty="" />
                    </li>
                  ))}
                </ol>
              )}
              <h3 class="run-heading">Log</h3>
              {run.logs.length === 0 ? (
                <p class="muted">Nothing logged{run.status === "queued" ? " yet" : ""}.</p>
              ) : (
                // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard
                <pre class="run-log" tabIndex={0}>
                  {run.logs.join("\n")}
                </pre>
              )}
            </div>
          )}
        </LoadState>
      </td>
    </tr>
  )
}

export const RunHistory = ({
  jobId,
  round,
  onSettled,
}: {
  jobId: string
  round: number
  /** told when the runs that were waiting or running have all finished (the job's last run changed) */
  onSettled?: () => void
}) => {
  const [status, setStatus] = useState<JobRun["status"] | "">("")
  const [page, setPage] = useState(1)
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set())
  const runs = useLoad(
    (signal) =>
      answerOf(
        client.GET("/api/job-runs/", {
          params: {
            query: { job: jobId, status: status || undefined, page: String(page), page_size: String(PAGE_SIZE) },
          },
          signal,
        }),
      ),
    [jobId, status, page, round],
  )
  const busy = runs.data?.results.some((run) => run.status === "queued" || run.status === "running") ?? false
  const wasBusy = useRef(false)
  useEffect(() => {
    if (wasBusy.current && !busy) onSettled?.()
    wasBusy.current = busy
  }, [busy, onSettled])
  useEffect(() => {
    if (!busy) return
    const timer = setTimeout(runs.reload, 2000)
    return () => clearTimeout(timer)
  }, [busy, runs.data])
  const toggle = (id: string) =>
    setOpen((previous) => {
      const next = new Set(previous)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      return next
    })
  const columns = 6
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Run history</h2>
      <div class="filters">
        <Field label="Status">
          {(props) => (
            <select
              {...props}
              name="status"
              value={status}
              onChange={(event) => {
                setStatus(event.currentTarget.value as JobRun["status"] | "")
                setPage(1)
              }}
            >
              <option value="">All</option>
              {RUN_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <LoadState loaded={runs}>
        {(list) =>
          list.results.length === 0 ? (
            <p class="muted">{status ? `No ${status} runs.` : "This schedule has not run yet."}</p>
          ) : (
            <>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls by keyboard */}
              <section class="table-wrap" tabIndex={0} aria-label="Runs of this schedule">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Run</th>
                      <th scope="col">Status</th>
                      <th scope="col">Trigger</th>
                      <th scope="col">Started</th>
                      <th scope="col">Duration</th>
                      <th scope="col">Error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.results.flatMap((run) => {
                      const expanded = open.has(run.id)
                      const row = (
                        <tr key={run.id}>
                          <td>
                            <Button
                              variant="link"
                              class="run-toggle"
                              aria-expanded={expanded}
                              aria-controls={expanded ? `run-${run.id}-detail` : undefined}
                              onClick={() => toggle(run.id)}
                            >
                              {expanded ? "Hide" : "Show"} steps and log
                              <span class="visually-hidden">
                                {" "}
                                of the run of {new Date(run.created_at).toLocaleString()}
                              </span>
                            </Button>
                            <div class="muted">
                              <When at={run.created_at} />
                            </div>
                          </td>
                          <td>
                            <Badge value={run.status} />
                          </td>
                          <td>
                            {run.trigger}
                            {run.requested_by ? (
                              <div class="muted">
                                {run.requested_by === session.value?.user.id
                                  ? "by you"
                                  : `by account ${run.requested_by.slice(0, 8)}`}
                              </div>
                            ) : null}
                          </td>
                          <td>
                            <When at={run.started_at} />
                          </td>
                          <td>{duration(run.duration_ms)}</td>
                          <td>{run.error ? <span class="error">{run.error}</span> : <span class="muted">—</span>}</td>
                        </tr>
                      )
                      return expanded
                        ? [
                            row,
                            <RunDetailRow key={`${run.id}-detail`} id={run.id} status={run.status} columns={columns} />,
                          ]
                        : [row]
                    })}
                  </tbody>
                </table>
              </section>
              <div class="pager">
                <Button variant="secondary" disabled={list.previous === null} onClick={() => setPage(page - 1)}>
                  Newer runs
                </Button>
                <span class="muted">
                  Page {page} of {Math.max(1, Math.ceil(list.count / PAGE_SIZE))} ({list.count} runs)
                </span>
                <Button variant="secondary" disabled={list.next === null} onClick={() => setPage(page + 1)}>
                  Older runs
                </Button>
              </div>
            </>
          )
        }
      </LoadState>
    </section>
  )
}
