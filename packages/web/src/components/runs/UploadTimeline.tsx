/** What happened to an upload after it was submitted: holds, decisions, retries, corrections. */
import type { UploadEvent } from "../intake/runs"
import { Badge, type Loaded, LoadState, When } from "../ui"

export const UploadTimeline = ({
  timeline,
  who,
}: {
  timeline: Loaded<{ events: ReadonlyArray<UploadEvent> }>
  who: (id: string | null) => string
}) => (
  <section class="card" aria-labelledby="run-timeline">
    <h2 id="run-timeline">Timeline</h2>
    <LoadState loaded={timeline}>
      {(data) =>
        data.events.length === 0 ? (
          <p class="muted">
            Nothing has happened to this upload since it was submitted (no holds, decisions, retries or corrections).
          </p>
        ) : (
          <ol class="timeline">
            {data.events.map((event, index) => (
              <li key={index}>
                <When at={event.at} /> <Badge value={event.kind} /> {event.message}
                {event.actor ? <span class="muted"> — {who(event.actor)}</span> : null}
              </li>
            ))}
          </ol>
        )
      }
    </LoadState>
  </section>
)
