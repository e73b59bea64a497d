/**
 * The frame of every signed-in screen: a skip link, the navigation (only what the role may
 * use), who is signed in, changing one's password and signing out. At narrow widths the navigation folds behind a
 * menu button.
 */
import type { ComponentChildren } from "preact"
import { useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { answerOf, client } from "../api/client"
import { can, session, signOut } from "../state/session"

interface NavItem {
  readonly href: string
  readonly label: string
  readonly visible?: () => boolean
}

export const NAV: ReadonlyArray<NavItem> = [
  { href: "/", label: "Dashboard" },
  { href: "/intake", label: "Batch intake" },
  { href: "/runs", label: "Runs" },
  { href: "/issues", label: "Batch issues" },
  { href: "/schedules", label: "Schedules" },
  { href: "/known-errors", label: "Known errors", visible: can.manageKnownErrors },
  { href: "/departments", label: "Departments" },
  { href: "/users", label: "Users", visible: can.manageUsers },
  { href: "/health", label: "Health" },
]

const isCurrent = (href: string, path: string) =>
  href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`)

export const Layout = ({ children }: { children: ComponentChildren }) => {
  const { path, route } = useLocation()
  const [open, setOpen] = useState(false)
  const user = session.value?.user
  const leave = async () => {
    await answerOf(client.POST("/api/auth/logout/")).catch(() => undefined)
    signOut()
    route("/sign-in")
  }
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          BatchOps
        </a>
        <button
          type="button"
          class="menu-button"
          aria-expanded={open}
          aria-controls="main-nav"
          onClick={() => setOpen(!open)}
        >
          Menu
        </button>
        {user ? (
          <div class="account">
            <span>
              {user.username} <span class="account-role">({user.role})</span>
            </span>
            <a href="/account/password">Change password</a>
            <button type="button" class="button button-secondary" onClick={leave}>
              Sign out
            </button>
          </div>
        ) : null}
      </header>
      <div class="body">
        <nav id="main-nav" class={`nav${open ? " nav-open" : ""}`} aria-label="Main">
          <ul>
            {NAV.filter((item) => item.visible?.() ?? true).map((item) => (
              <li key={item.href}>
                <a
                  href={item.href}
                  aria-current={isCurrent(item.href, path) ? "page" : undefined}
                  onClick={() => setOpen(false)}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  )
}
