import { Page } from "../components/ui"

export default function ForgotPassword() {
  return (
    <Page title="Forgot password">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
