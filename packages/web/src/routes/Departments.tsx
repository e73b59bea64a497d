import { Page } from "../components/ui"

export default function Departments() {
  return (
    <Page title="Departments">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
