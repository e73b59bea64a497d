/**
 * The stages of a run with their state: from its stored step logs once a stage ran, or from the
 * live events while it runs.
 */
import { duration, STAGES, type Stage, type Upload } from "../intake/runs"
import { Badge } from "../ui"
import { type Live, num } from "./live"

/** The step log's entries as words (nested values as compact JSON). */
export const LogEntries = ({ log }: { log: Readonly<Record<string, unknown>> }) => {
  const entries = Object.entries(log)
  if (entries.length === 0) return <p class="muted">Nothing was logged.</p>
  return (
    <dl class="step-log">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>
            {typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? (
              String(value)
            ) : (
              <code>{JSON.stringify(value)}</code>
            )}
          </dd>
        </div>
      ))}
    </dl>
  )
}

/** The progress bar and each stage's state, rows and step log. */
export const StageProgress = ({ run, live, running }: { run: Upload; live: Live; running: boolean }) => {
  const progress = running ? (live.progress ?? run.progress) : run.progress
  const stages = STAGES.map((stage, index) => {
    const done: Stage | undefined = run.status === "queued" ? undefined : run.stages[index]
    const told = live.stages[index]
    return { ...stage, index, done, told }
  })
  return (
    <section class="card" aria-labelledby="run-progress">
      <div class="run-status">
        <h2 id="run-progress">Progress</h2>
        <Badge value={run.status} />
        {running ? <span class="muted">live</span> : null}
      </div>
      <progress max={100} value={Math.round(progress)} aria-label="Run progress" />
      <ol class="stages" aria-live="polite">
        {stages.map(({ name, label, index, done, told }) => {
          const status =
            done?.status ??
            (told?.state === "finished" || told?.state === "skipped"
              ? (told.status ?? told.state)
              : told?.state === "started"
                ? "running"
                : "waiting")
          const rowsIn = done ? num(done.log.rowsIn) : (told?.rows_in ?? null)
          const rowsOut = done ? num(done.log.rowsOut) : (told?.rows_out ?? null)
          const ms = done?.duration_ms ?? told?.duration_ms
          return (
            <li key={name} class={`stage stage-${status}`}>
              <div class="stage-head">
                <span class="stage-name">
                  {index + 1}. {label} <span class="muted">({name})</span>
                </span>
                <Badge value={status} />
              </div>
              <p class="stage-facts muted">
                {status === "skipped"
                  ? "not run: an earlier stage stopped the run"
                  : ms !== undefined
                    ? `took ${duration(ms)}`
                    : status === "running"
                      ? "running…"
                      : ""}
                {rowsIn !== null || rowsOut !== null ? ` · rows in ${rowsIn ?? "—"}, out ${rowsOut ?? "—"}` : ""}
              </p>
              {done && done.status !== "skipped" ? (
                <details>
                  <summary>Step log of {label.toLowerCase()}</summary>
                  <LogEntries log={done.log} />
                </details>
              ) : null}
            </li>
          )
        })}
      </ol>
    </section>
  )
}
