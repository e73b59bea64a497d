/**
 * Health: the host's own report (database, work queue, worker and scheduler heartbeats, mail,
 * disk) in words, each part with a badge, and a refresh. The report is an admin's; everyone
 * else is told whether BatchOps is up.
 */
import type { ComponentChildren } from "preact"
import { useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../api/client"
import { Alert, Button, LoadState, Page, useLoad, When } from "../components/ui"
import "./health.css"

interface Beat {
  readonly last_beat: string | null
  readonly ok: boolean
}

interface HealthReport {
  readonly status: "ok" | "degraded" | "down"
  readonly database: { readonly ok: boolean; readonly latency_ms: number }
  readonly queue: {
    readonly queued: number
    readonly running: number
    readonly failed: number
    readonly expired: number
  } | null
  readonly worker: Beat
  readonly scheduler: Beat
  readonly mail: { readonly configured: boolean }
  readonly disk: { readonly free_bytes: number | null; readonly ok: boolean }
}

/** What the host tells anyone but an admin (a 503 when it is down). */
interface HealthSummary {
  readonly status: "up"
}

const SUMMARY: Readonly<Record<HealthReport["status"], string>> = {
  ok: "All is well: BatchOps and everything around it works.",
  degraded: "BatchOps answers, but something around it needs attention (see below).",
  down: "BatchOps cannot reach its database: uploads and schedules do not run.",
}

/** Bytes in words: "81.6 GB". */
export const bytes = (n: number): string => {
  const units = ["bytes", "KB", "MB", "GB", "TB"]
  let value = n
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}

type Tone = "good" | "bad" | "warn" | "plain"

/** A badge in words, its colour the state's (never the only sign: the word says it too). */
const StateBadge = ({ tone, children }: { tone: Tone; children: ComponentChildren }) => (
  <span class={`badge badge-${tone}`}>{children}</span>
)

const PART_BADGE: Readonly<Record<"ok" | "down" | "attention" | "off", [Tone, string]>> = {
  ok: ["good", "ok"],
  down: ["bad", "down"],
  attention: ["warn", "needs attention"],
  off: ["plain", "not set up"],
}

const STATUS_BADGE: Readonly<Record<HealthReport["status"], [Tone, string]>> = {
  ok: ["good", "ok"],
  degraded: ["warn", "degraded"],
  down: ["bad", "down"],
}

const Part = ({
  title,
  state,
  children,
}: {
  title: string
  state: "ok" | "down" | "attention" | "off"
  children: ComponentChildren
}) => (
  <section class="card health-part" aria-labelledby={`health-${title.toLowerCase().replaceAll(" ", "-")}`}>
    <h2 id={`health-${title.toLowerCase().replaceAll(" ", "-")}`}>
      {title} <StateBadge tone={PART_BADGE[state][0]}>{PART_BADGE[state][1]}</StateBadge>
    </h2>
    {children}
  </section>
)

const beatWords = (name: string, beat: Beat, neverIsFine: boolean) => {
  if (beat.ok)
    return (
      <p>
        The {name} is running: its last heartbeat was <When at={beat.last_beat} />.
      </p>
    )
  if (beat.last_beat === null)
    return (
      <p>
        No {name} has ever reported.{" "}
        {neverIsFine ? "This is fine until schedules are used." : "Uploads wait in the queue until one runs."}
      </p>
    )
  return (
    <p>
      The {name} has stopped: its last heartbeat was <When at={beat.last_beat} />.
    </p>
  )
}

export default function Health() {
  const [round, setRound] = useState(0)
  const [checkedAt, setCheckedAt] = useState<string | undefined>(undefined)
  const report = useLoad(
    async (signal) => {
      try {
        return (await answerOf(client.GET("/api/health/", { signal }))) as HealthReport | HealthSummary
      } finally {
        setCheckedAt(new Date().toISOString())
      }
    },
    [round],
  )
  const down = report.error instanceof ApiProblem && report.error.status === 503
  return (
    <Page
      title="Health"
      actions={
        <Button variant="secondary" busy={report.loading} onClick={() => setRound((n) => n + 1)}>
          Refresh
        </Button>
      }
    >
      <p class="muted" aria-live="polite">
        {report.loading ? (
          "Checking…"
        ) : checkedAt ? (
          <>
            Checked at <When at={checkedAt} />.
          </>
        ) : null}
      </p>
      {down ? (
        <Alert>{SUMMARY.down} Refresh to check again.</Alert>
      ) : (
        <LoadState loaded={report}>
          {(health) =>
            health.status === "up" ? (
              <div class="health-summary health-ok">
                <StateBadge tone="good">up</StateBadge>
                <p>
                  BatchOps is up. The report on each part (database, queue, worker, scheduler, mail, disk) is for
                  admins.
                </p>
              </div>
            ) : (
              <>
                <div class={`health-summary health-${health.status}`}>
                  <StateBadge tone={STATUS_BADGE[health.status][0]}>{STATUS_BADGE[health.status][1]}</StateBadge>
                  <p>{SUMMARY[health.status]}</p>
                </div>
                <div class="grid">
                  <Part title="Database" state={health.database.ok ? "ok" : "down"}>
                    <p>
                      {health.database.ok
                        ? `The database answers in ${health.database.latency_ms} ms.`
                        : "The database does not answer."}
                    </p>
                  </Part>
                  <Part
                    title="Work queue"
                    state={
                      health.queue === null
                        ? "down"
                        : health.queue.failed + health.queue.expired > 0
                          ? "attention"
                          : "ok"
                    }
                  >
                    {health.queue === null ? (
                      <p>The queue cannot be read.</p>
                    ) : (
                      <dl class="health-counts">
                        <div>
                          <dt>Waiting</dt>
                          <dd>{health.queue.queued}</dd>
                        </div>
                        <div>
                          <dt>Running</dt>
                          <dd>{health.queue.running}</dd>
                        </div>
                        <div>
                          <dt>Failed</dt>
                          <dd>{health.queue.failed}</dd>
                        </div>
                        <div>
                          <dt>Expired</dt>
                          <dd>{health.queue.expired}</dd>
                        </div>
                      </dl>
                    )}
                  </Part>
                  <Part title="Worker" state={health.worker.ok ? "ok" : "down"}>
                    {beatWords("worker", health.worker, false)}
                  </Part>
                  <Part
                    title="Scheduler"
                    state={health.scheduler.ok ? "ok" : health.scheduler.last_beat === null ? "off" : "down"}
                  >
                    {beatWords("scheduler", health.scheduler, true)}
                  </Part>
                  <Part title="Mail" state={health.mail.configured ? "ok" : "off"}>
                    <p>
                      {health.mail.configured
                        ? "Mail goes out through the configured mail server."
                        : "No mail server is configured: mails are written to the log instead of sent."}
                    </p>
                  </Part>
                  <Part title="Disk" state={health.disk.ok ? "ok" : "attention"}>
                    <p>
                      {health.disk.free_bytes === null
                        ? "The free space of the data folder cannot be read."
                        : `${bytes(health.disk.free_bytes)} free in the data folder${health.disk.ok ? "." : ": uploads and reports will soon fail."}`}
                    </p>
                  </Part>
                </div>
              </>
            )
          }
        </LoadState>
      )}
    </Page>
  )
}
