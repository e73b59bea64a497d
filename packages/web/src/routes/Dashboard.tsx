import { Page } from "../components/ui"

export default function Dashboard() {
  return (
    <Page title="Dashboard">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
