import { Page } from "../components/ui"

export default function VerifyEmail() {
  return (
    <Page title="Verify your email">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
