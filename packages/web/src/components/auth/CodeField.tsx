/** The 6-digit code from an email: digits only (spaces and dashes of a pasted code dropped). */
import type { Ref } from "preact"
import { Field } from "../ui"

export const CodeField = ({
  value,
  error,
  onChange,
  inputRef,
}: {
  value: string
  error: string | undefined
  onChange: (code: string) => void
  inputRef?: Ref<HTMLInputElement>
}) => (
  <Field label="Code from the email" hint="The 6 digits in the email we sent." error={error}>
    {(props) => (
      <input
        {...props}
        ref={inputRef}
        class="code-input"
        type="text"
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        value={value}
        onInput={(event) => {
          const digits = event.currentTarget.value.replace(/\D/g, "").slice(0, 6)
          event.currentTarget.value = digits
          onChange(digits)
        }}
      />
    )}
  </Field>
)
