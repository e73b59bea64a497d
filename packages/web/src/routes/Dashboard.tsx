/**
 * The dashboard: today's uploads (published, failed, in progress), the open incidents by
 * severity, the uploads of the last seven days as a small chart (its numbers also as a table),
 * and the latest job runs. Counts come from the lists' own totals (one small page each).
 */
import { answerOf, client } from "../api/client"
import { type Bar, BarChart } from "../components/dashboard/BarChart"
import { duration, type JobRun } from "../components/schedules/model"
import { Badge, LoadState, Page, useLoad, When } from "../components/ui"
import { session } from "../state/session"
import "../components/dashboard/dashboard.css"

const UPLOAD_STATUSES = ["queued", "processing", "awaiting_approval", "published", "failed", "rejected"] as const
const SEVERITIES = ["critical", "high", "medium", "low"] as const
const OPEN_STATUSES = ["open", "in_progress"] as const

/** How many uploads the query finds (the list's `count`), asking for one. */
const uploadCount = (
  query: { status?: (typeof UPLOAD_STATUSES)[number]; created_after?: string; created_before?: string },
  signal: AbortSignal,
) =>
  answerOf(client.GET("/api/uploads/", { params: { query: { ...query, page_size: "1" } }, signal })).then(
    (page) => page.count,
  )

/** How many incidents the query finds, asking for one. */
const incidentCount = (
  query: { status: (typeof OPEN_STATUSES)[number]; severity: (typeof SEVERITIES)[number] },
  signal: AbortSignal,
) =>
  answerOf(client.GET("/api/incidents/", { params: { query: { ...query, page_size: "1" } }, signal })).then(
    (page) => page.count,
  )

const startOfDay = (daysAgo: number) => {
  const day = new Date()
  day.setHours(0, 0, 0, 0)
  day.setDate(day.getDate() - daysAgo)
  return day
}

interface Overview {
  readonly today: Readonly<Record<(typeof UPLOAD_STATUSES)[number], number>>
  readonly week: ReadonlyArray<Bar>
  readonly incidents: Readonly<Record<(typeof SEVERITIES)[number], number>>
  readonly runs: ReadonlyArray<JobRun>
}

const loadOverview = async (signal: AbortSignal): Promise<Overview> => {
  const today = startOfDay(0).toISOString()
  const todayCounts = Promise.all(
    UPLOAD_STATUSES.map((status) => uploadCount({ status, created_after: today }, signal)),
  )
  const days = Array.from({ length: 7 }, (_, i) => 6 - i)
  const week = Promise.all(
    days.map(async (daysAgo) => {
      const start = startOfDay(daysAgo)
      const end = new Date(startOfDay(daysAgo - 1).getTime() - 1)
      const value = await uploadCount({ created_after: start.toISOString(), created_before: end.toISOString() }, signal)
      return {
        label: daysAgo === 0 ? "Today" : start.toLocaleDateString(undefined, { weekday: "short" }),
        long: start.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" }),
        value,
      }
    }),
  )
  const incidents = Promise.all(
    SEVERITIES.map(async (severity) => {
      const counts = await Promise.all(OPEN_STATUSES.map((status) => incidentCount({ status, severity }, signal)))
      return counts.reduce((a, b) => a + b, 0)
    }),
  )
  const runs = answerOf(client.GET("/api/job-runs/", { params: { query: { page_size: "6" } }, signal }))
  const [t, w, i, r] = await Promise.all([todayCounts, week, incidents, runs])
  return {
    today: Object.fromEntries(UPLOAD_STATUSES.map((status, n) => [status, t[n] ?? 0])) as Overview["today"],
    week: w,
    incidents: Object.fromEntries(SEVERITIES.map((severity, n) => [severity, i[n] ?? 0])) as Overview["incidents"],
    runs: r.results,
  }
}

const Stat = ({
  label,
  value,
  tone,
  href,
}: {
  label: string
  value: number
  tone: "good" | "bad" | "warn" | "info" | "plain"
  href?: string
}) => (
  <div class={`stat stat-${tone}`}>
    <dt>{label}</dt>
    <dd>{href ? <a href={href}>{value}</a> : value}</dd>
  </div>
)

export default function Dashboard() {
  const overview = useLoad(loadOverview, [])
  const name = session.value?.user.username
  return (
    <Page title="Dashboard">
      {name ? <p class="muted">Welcome back, {name}. Here is how today is going.</p> : null}
      <div class="dashboard">
        <LoadState loaded={overview}>
          {(data) => {
            const inProgress = data.today.queued + data.today.processing + data.today.awaiting_approval
            const failed = data.today.failed + data.today.rejected
            const weekTotal = data.week.reduce((sum, bar) => sum + bar.value, 0)
            const openIncidents = SEVERITIES.reduce((sum, severity) => sum + data.incidents[severity], 0)
            return (
              <>
                <section class="card" aria-labelledby="today-title">
                  <h2 id="today-title">Today's uploads</h2>
                  <dl class="stats">
                    <Stat label="Published" value={data.today.published} tone="good" href="/runs?status=published" />
                    <Stat label="Failed or rejected" value={failed} tone="bad" href="/runs?status=failed" />
                    <Stat label="In progress" value={inProgress} tone="info" href="/runs" />
                    <Stat
                      label="Awaiting approval"
                      value={data.today.awaiting_approval}
                      tone="warn"
                      href="/runs?status=awaiting_approval"
                    />
                  </dl>
                </section>
                <div class="dashboard-grid">
                  <section class="card" aria-labelledby="week-title">
                    <h2 id="week-title">Uploads this week</h2>
                    <BarChart
                      id="uploads-week"
                      title="Uploads per day, last 7 days"
                      description={`${weekTotal} uploads in the last seven days: ${data.week
                        .map((bar) => `${bar.long} ${bar.value}`)
                        .join(", ")}.`}
                      bars={data.week}
                      unit="uploads"
                    />
                  </section>
                  <section class="card" aria-labelledby="incidents-title">
                    <h2 id="incidents-title">Open incidents</h2>
                    <p class="muted">
                      {openIncidents === 0
                        ? "No open incidents."
                        : `${openIncidents} open or in progress, by severity:`}
                    </p>
                    <dl class="stats">
                      <Stat
                        label="Critical"
                        value={data.incidents.critical}
                        tone="bad"
                        href="/issues?severity=critical"
                      />
                      <Stat label="High" value={data.incidents.high} tone="bad" href="/issues?severity=high" />
                      <Stat label="Medium" value={data.incidents.medium} tone="warn" href="/issues?severity=medium" />
                      <Stat label="Low" value={data.incidents.low} tone="plain" href="/issues?severity=low" />
                    </dl>
                  </section>
                </div>
                <section class="card" aria-labelledby="recent-runs-title">
                  <h2 id="recent-runs-title">Recent job runs</h2>
                  {data.runs.length === 0 ? (
                    <p class="muted">
                      No job has run yet. <a href="/schedules">See the schedules</a>
                    </p>
                  ) : (
                    // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls by keyboard
                    <section class="table-wrap" tabIndex={0} aria-label="Recent job runs">
                      <table>
                        <thead>
                          <tr>
                            <th scope="col">Automation</th>
                            <th scope="col">Status</th>
                            <th scope="col">Trigger</th>
                            <th scope="col">Queued</th>
                            <th scope="col">Duration</th>
                          </tr>
                        </thead>
                        <tbody>
                          {data.runs.map((run) => (
                            <tr key={run.id}>
                              <td>
                                {run.job_id ? (
                                  <a href={`/schedules/${run.job_id}`}>{run.automation}</a>
                                ) : (
                                  run.automation
                                )}
                              </td>
                              <td>
                                <Badge value={run.status} />
                              </td>
                              <td>{run.trigger}</td>
                              <td>
                                <When at={run.created_at} />
                              </td>
                              <td>{duration(run.duration_ms)}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </section>
                  )}
                </section>
              </>
            )
          }}
        </LoadState>
      </div>
    </Page>
  )
}
