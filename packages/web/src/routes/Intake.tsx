import { Page } from "../components/ui"

export default function Intake() {
  return (
    <Page title="Batch intake">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
