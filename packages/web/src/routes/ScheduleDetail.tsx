import { Page } from "../components/ui"

export default function ScheduleDetail() {
  return (
    <Page title="Schedule">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
