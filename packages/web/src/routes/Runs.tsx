import { Page } from "../components/ui"

export default function Runs() {
  return (
    <Page title="Runs">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
