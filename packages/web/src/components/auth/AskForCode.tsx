/**
 * The first step of the verification and password-reset screens: the email to send a 6-digit
 * code to, or straight on to entering a code already received (once the email looks right).
 */
import type { RefObject } from "preact"
import { Alert, Button, Field } from "../ui"
import { emailProblem } from "./forms"

export interface AskForCodeProps {
  /** the form's name for assistive technology ("Ask for a code") */
  readonly label: string
  readonly email: string
  readonly setEmail: (email: string) => void
  readonly emailInput: RefObject<HTMLInputElement | null>
  readonly emailError: string | undefined
  readonly setEmailError: (error: string | undefined) => void
  /** the form's own problem (a refusal, the server unreachable) */
  readonly problem: string | null | undefined
  readonly sending: boolean
  readonly onSubmit: (event: SubmitEvent) => void
  /** the person already has a code: go to the step that takes it */
  readonly onHaveCode: () => void
}

export function AskForCode(props: AskForCodeProps) {
  return (
    <form class="auth-form" noValidate onSubmit={props.onSubmit} aria-label={props.label}>
      <Field label="Email" error={props.emailError}>
        {(field) => (
          <input
            {...field}
            ref={props.emailInput}
            type="email"
            name="email"
            autoComplete="email"
            inputMode="email"
            value={props.email}
            onInput={(event) => props.setEmail(event.currentTarget.value)}
          />
        )}
      </Field>
      {props.problem ? <Alert>{props.problem}</Alert> : null}
      <div class="form-actions">
        <Button type="submit" busy={props.sending}>
          {props.sending ? "Sending…" : "Email me a code"}
        </Button>
        <Button
          variant="link"
          onClick={() => {
            const found = emailProblem(props.email)
            props.setEmailError(found)
            if (found) props.emailInput.current?.focus()
            else props.onHaveCode()
          }}
        >
          I already have a code
        </Button>
      </div>
    </form>
  )
}
