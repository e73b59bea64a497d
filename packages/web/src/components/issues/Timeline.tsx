/** An incident's timeline: who did what, when, oldest first, as the server recorded it. */
import { Badge, When } from "../ui"
import type { TimelineEntry } from "./types"

export const Timeline = ({
  entries,
  nameOf,
}: {
  entries: ReadonlyArray<TimelineEntry>
  /** the person behind an actor id (null: BatchOps itself) */
  nameOf: (actor: string | null) => string
}) =>
  entries.length === 0 ? (
    <p class="muted">Nothing recorded yet.</p>
  ) : (
    <ol class="timeline">
      {entries.map((entry, i) => (
        <li key={`${entry.at}-${i}`}>
          <div class="timeline-meta">
            <When at={entry.at} /> · {nameOf(entry.actor)} · <Badge value={entry.kind} />
          </div>
          <div class="pre-text">{entry.message}</div>
        </li>
      ))}
    </ol>
  )
