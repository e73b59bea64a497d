/** The incident a failed run opened, in a line: its stage, message and a link to it. */
import { answerOf, client } from "../../api/client"
import { stageLabel } from "../intake/runs"
import { Alert, useLoad } from "../ui"

export interface Incident {
  readonly id: string
  readonly stage: string
  readonly error: string
  readonly severity: string
  readonly status: string
}

export const IncidentNote = ({ id }: { id: string }) => {
  const loaded = useLoad(
    (signal): Promise<Incident> => answerOf(client.GET("/api/incidents/{id}/", { params: { path: { id } }, signal })),
    [id],
  )
  return (
    <Alert>
      <p class="incident-line">
        <strong>The run failed</strong>
        {loaded.data ? (
          <>
            {" "}
            in {stageLabel(loaded.data.stage)}: {loaded.data.error}
          </>
        ) : null}
      </p>
      <a href={`/issues/${id}`}>
        Open the incident{loaded.data ? ` (${loaded.data.severity}, ${loaded.data.status.replace("_", " ")})` : ""}
      </a>
    </Alert>
  )
}
