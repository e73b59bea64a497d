import { Page } from "../components/ui"

export default function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no page at this address. <a href="/">Go to the dashboard</a>.
      </p>
    </Page>
  )
}
