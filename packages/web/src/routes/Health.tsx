import { Page } from "../components/ui"

export default function Health() {
  return (
    <Page title="Health">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
