import { Page } from "../components/ui"

export default function Issues() {
  return (
    <Page title="Batch issues">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
