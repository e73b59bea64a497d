import { Page } from "../components/ui"

export default function RunDetail() {
  return (
    <Page title="Run">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
