/**
 * Browser tests of the control room: the real host (`startServer`, embedded PGlite, the upload
 * worker and a real SMTP server on loopback) serving the app's production build, driven by
 * Debian's Chromium through playwright-core. Each journey saves screenshots under
 * `test-artifacts/e2e/<journey>/`, and `checkA11y` runs axe-core on the page.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { Models } from "@batchops/core"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll } from "vitest"
import { startSmtpServer, type TestSmtpServer } from "../../../mailer-smtp/test/smtpTestServer.js"
import { startApi, type TestApi } from "../../../server/test/api/harness.js"

const here = dirname(fileURLToPath(import.meta.url))
export const WEB_DIST = resolve(here, "../../dist")
const ARTIFACTS = resolve(here, "../../../../test-artifacts/e2e")
const CHROMIUM = process.env.BATCHOPS_CHROMIUM ?? "/usr/bin/chromium"

export interface Host {
  readonly api: TestApi
  readonly smtp: TestSmtpServer
  readonly url: string
  readonly close: () => Promise<void>
}

/** The host with the app's build, its worker, and mail to a real SMTP server. */
export const startHost = async (env: Record<string, string> = {}): Promise<Host> => {
  if (!existsSync(join(WEB_DIST, "index.html"))) {
    throw new Error(`the web app is not built (${WEB_DIST}): run npm run build first`)
  }
  const smtp = await startSmtpServer()
  const api = await startApi("pglite", {
    worker: true,
    env: {
      BATCHOPS_WEB_DIR: WEB_DIST,
      EMAIL_HOST: "127.0.0.1",
      EMAIL_PORT: String(smtp.port),
      DEFAULT_FROM_EMAIL: "batchops@school.test",
      ...env,
    },
  })
  return {
    api,
    smtp,
    url: api.url,
    close: async () => {
      await api.close()
      await smtp.close()
    },
  }
}

/**
 * A suite's host and browser: started before its tests (then `started` runs with them, e.g. to make the
 * suite's accounts), closed after them.
 */
export const useHostAndBrowser = (
  started: (host: Host, browser: Browser) => void | Promise<void>,
  env: Record<string, string> = {},
) => {
  let host: Host | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    host = await startHost(env)
    browser = await launchBrowser()
    await started(host, browser)
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
  })
}

export const launchBrowser = (): Promise<Browser> => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  })
}

/** A fresh browser context (its own storage) at a desktop (1280) or phone (390) width. */
export const newContext = (browser: Browser, width: 1280 | 390 = 1280): Promise<BrowserContext> =>
  browser.newContext({ viewport: { width, height: width === 1280 ? 800 : 844 }, acceptDownloads: true })

/** Opens `path` already signed in as `account` (its token in the app's session storage). */
export const openSignedIn = async (
  context: BrowserContext,
  host: Host,
  account: { user: Models.User; token: string },
  path = "/",
): Promise<Page> => {
  const session = {
    token: account.token,
    user: {
      id: account.user.id,
      username: account.user.username,
      email: account.user.email,
      role: account.user.role,
      email_verified: account.user.emailVerified,
      is_active: account.user.isActive,
      created_at: account.user.createdAt,
    },
  }
  await context.addInitScript((value) => {
    if (!sessionStorage.getItem("batchops.session")) sessionStorage.setItem("batchops.session", value)
  }, JSON.stringify(session))
  const page = await context.newPage()
  await page.goto(`${host.url}${path}`)
  return page
}

/** Screenshots of a journey, numbered in the order taken. */
export const screenshots = (journey: string) => {
  const dir = join(ARTIFACTS, journey)
  mkdirSync(dir, { recursive: true })
  let n = 0
  return (page: Page, step: string) =>
    page.screenshot({ path: join(dir, `${String(++n).padStart(2, "0")}-${step}.png`), fullPage: true })
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

export interface A11yViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly targets: ReadonlyArray<string>
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules). */
export const a11yViolations = async (page: Page): Promise<ReadonlyArray<A11yViolation>> => {
  // evaluated through the browser's debugging protocol: the app's policy allows no injected script tags
  await page.evaluate(AXE)
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is the script just added to the page
    const axe = (globalThis as any).axe
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    })
    return result.violations.map(
      (v: { id: string; impact: string | null; help: string; nodes: Array<{ target: Array<string> }> }) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((node) => node.target.join(" ")),
      }),
    )
  })
  return (violations as ReadonlyArray<A11yViolation>).filter(
    (violation) => violation.impact === "serious" || violation.impact === "critical",
  )
}
