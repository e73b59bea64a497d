import { Page } from "../components/ui"

export default function Users() {
  return (
    <Page title="Users">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
