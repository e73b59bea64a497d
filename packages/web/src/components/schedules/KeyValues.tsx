/** A small key/value list of a JSON object (a step's details, a record's payload). */
import { shortValue } from "./model"

export const KeyValues = ({
  value,
  empty = "nothing recorded",
}: {
  value: Record<string, unknown>
  empty?: string
}) => {
  const entries = Object.entries(value)
  if (entries.length === 0) return <span class="muted">{empty}</span>
  return (
    <dl class="kv">
      {entries.map(([key, item]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{shortValue(item)}</dd>
        </div>
      ))}
    </dl>
  )
}
