/**
 * A refused incident action in words; when the refusal is that someone changed the incident
 * since it was loaded, a button reloads it so the change can be repeated on the new version.
 */
import { ApiProblem } from "../../api/client"
import { Alert, Button, messageOf } from "../ui"

export const ProblemAlert = ({ error, onReload }: { error: unknown; onReload?: (() => void) | undefined }) => (
  <Alert>
    {messageOf(error)}
    {onReload && error instanceof ApiProblem && error.code === "conflict" ? (
      <>
        {" "}
        <Button variant="link" onClick={onReload}>
          Reload the issue
        </Button>
      </>
    ) : null}
  </Alert>
)
