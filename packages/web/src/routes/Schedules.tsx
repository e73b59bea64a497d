import { Page } from "../components/ui"

export default function Schedules() {
  return (
    <Page title="Schedules">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
