/** A new password typed twice, with the password rules as its hint: choosing one after a reset code, or changing one's own. */
import type { Ref } from "preact"
import { Field } from "../ui"
import { PASSWORD_RULES } from "./forms"

export const NewPasswordFields = ({
  password,
  confirmation,
  errors,
  onPassword,
  onConfirmation,
  passwordRef,
  confirmationRef,
}: {
  password: string
  confirmation: string
  errors: { readonly password?: string | undefined; readonly confirm?: string | undefined }
  onPassword: (password: string) => void
  onConfirmation: (confirmation: string) => void
  passwordRef?: Ref<HTMLInputElement>
  confirmationRef?: Ref<HTMLInputElement>
}) => (
  <>
    <Field label="New password" hint={PASSWORD_RULES} error={errors.password}>
      {(props) => (
        <input
          {...props}
          ref={passwordRef}
          type="password"
          name="new-password"
          autoComplete="new-password"
          value={password}
          onInput={(event) => onPassword(event.currentTarget.value)}
        />
      )}
    </Field>
    <Field label="New password again" error={errors.confirm}>
      {(props) => (
        <input
          {...props}
          ref={confirmationRef}
          type="password"
          name="confirm-password"
          autoComplete="new-password"
          value={confirmation}
          onInput={(event) => onConfirmation(event.currentTarget.value)}
        />
      )}
    </Field>
  </>
)
