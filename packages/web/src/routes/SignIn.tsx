import { Page } from "../components/ui"

export default function SignIn() {
  return (
    <Page title="Sign in">
      <p class="muted">This screen is being built.</p>
    </Page>
  )
}
