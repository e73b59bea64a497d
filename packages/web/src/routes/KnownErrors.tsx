import { Page } from "../components/ui"

export default function KnownErrors() {
  return (
    <Page title="Known errors">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
