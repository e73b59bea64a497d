/**
 * The app: client-side routes, each screen loaded when first opened. Signed-out visitors see
 * the sign-in screens only; everyone else gets the control room in its frame, with the actions
 * the server says their account may take.
 */

import { useEffect, useState } from "preact/hooks"
import { ErrorBoundary, LocationProvider, lazy, Route, Router, useLocation } from "preact-iso"
import { loadRights } from "./api/account"
import { Layout } from "./components/Layout"
import { session } from "./state/session"

const Dashboard = lazy(() => import("./routes/Dashboard"))
const SignIn = lazy(() => import("./routes/SignIn"))
const VerifyEmail = lazy(() => import("./routes/VerifyEmail"))
const ForgotPassword = lazy(() => import("./routes/ForgotPassword"))
const Intake = lazy(() => import("./routes/Intake"))
const Runs = lazy(() => import("./routes/Runs"))
const RunDetail = lazy(() => import("./routes/RunDetail"))
const Issues = lazy(() => import("./routes/Issues"))
const IssueDetail = lazy(() => import("./routes/IssueDetail"))
const Schedules = lazy(() => import("./routes/Schedules"))
const ScheduleDetail = lazy(() => import("./routes/ScheduleDetail"))
const KnownErrors = lazy(() => import("./routes/KnownErrors"))
const Users = lazy(() => import("./routes/Users"))
const ChangePassword = lazy(() => import("./routes/ChangePassword"))
const Departments = lazy(() => import("./routes/Departments"))
const Health = lazy(() => import("./routes/Health"))
const NotFound = lazy(() => import("./routes/NotFound"))

/** The screens a signed-out visitor may open; any other path asks them to sign in first. */
const PUBLIC = ["/sign-in", "/verify-email", "/forgot-password"]

const Guard = () => {
  const { path, route } = useLocation()
  const signedIn = session.value !== null
  const token = session.value?.token
  const isPublic = PUBLIC.includes(path)
  useEffect(() => {
    if (!signedIn && !isPublic) route(`/sign-in?next=${encodeURIComponent(path)}`, true)
  }, [signedIn, isPublic, path, route])
  // what the account may do is the server's answer, asked again for each sign-in and page load;
  // the screens open once it is known (if it cannot be had, they open offering no action; a 401
  // signs out)
  const [rightsUnavailable, setRightsUnavailable] = useState(false)
  useEffect(() => {
    if (token === undefined) return
    setRightsUnavailable(false)
    loadRights().catch(() => setRightsUnavailable(true))
  }, [token])
  const rightsKnown = session.value?.rights !== undefined || rightsUnavailable
  if (!signedIn || isPublic) {
    return (
      <main id="main" class="public" tabIndex={-1}>
        <Router>
          <Route path="/sign-in" component={SignIn} />
          <Route path="/verify-email" component={VerifyEmail} />
          <Route path="/forgot-password" component={ForgotPassword} />
          <Route default component={SignIn} />
        </Router>
      </main>
    )
  }
  if (!rightsKnown) {
    return (
      <Layout>
        <p class="muted" aria-live="polite">
          Loading…
        </p>
      </Layout>
    )
  }
  return (
    <Layout>
      <Router>
        <Route path="/" component={Dashboard} />
        <Route path="/intake" component={Intake} />
        <Route path="/runs" component={Runs} />
        <Route path="/runs/:id" component={RunDetail} />
        <Route path="/issues" component={Issues} />
        <Route path="/issues/:id" component={IssueDetail} />
        <Route path="/schedules" component={Schedules} />
        <Route path="/schedules/:id" component={ScheduleDetail} />
        <Route path="/known-errors" component={KnownErrors} />
        <Route path="/users" component={Users} />
        <Route path="/account/password" component={ChangePassword} />
        <Route path="/departments" component={Departments} />
        <Route path="/departments/:id" component={Departments} />
        <Route path="/health" component={Health} />
        <Route default component={NotFound} />
      </Router>
    </Layout>
  )
}

export const App = () => (
  <LocationProvider>
    <ErrorBoundary>
      <Guard />
    </ErrorBoundary>
  </LocationProvider>
)
