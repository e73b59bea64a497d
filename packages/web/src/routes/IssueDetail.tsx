import { Page } from "../components/ui"

export default function IssueDetail() {
  return (
    <Page title="Batch issue">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
