/**
 * The control room's web app, served by the host at `/`: the files of its production build,
 * and `index.html` for every other path that is not the API's (the app routes in the
 * browser). Hashed assets are cached for good, `index.html` never, so a new release shows at
 * the next load.
 */
import { existsSync, readFileSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"
import { fileURLToPath } from "node:url"
import type { Env, Hono } from "hono"
import { readSetting } from "../Settings.js"

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
}

/** The app may load its own files and call its own API; nothing else, and never in a frame. */
const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/**
 * Where the built app is: `BATCHOPS_WEB_DIR`, the `dist` folder of `@batchops/web` when it
 * is installed beside the server, or the copy the published server package carries; undefined when there is no build.
 */
export const findWebDir = (env: Readonly<Record<string, string | undefined>>): string | undefined => {
  const candidates: Array<string> = []
  const configured = readSetting(env, "webDir")
  if (configured) candidates.push(path.resolve(configured))
  try {
    const manifest = createRequire(import.meta.url).resolve("@batchops/web/package.json")
    candidates.push(path.join(path.dirname(manifest), "dist"))
  } catch {
    // the web app is not installed
  }
  // the copy the published package carries (`web/` beside `dist/`), from dist and from src/api
  const here = path.dirname(fileURLToPath(import.meta.url))
  candidates.push(path.resolve(here, "..", "web"), path.resolve(here, "..", "..", "web"))
  return candidates.find((dir) => existsSync(path.join(dir, "index.html")))
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>BatchOps</title></head>
<body><main><h1>BatchOps</h1><p>The API is running at <a href="/api/docs/">/api/docs/</a>.
The web app has not been built: run <code>npm run build</code>, or set BATCHOPS_WEB_DIR to its build.</p></main></body></html>`

/** Serves the app's files from `webDir` (or a page saying it is not built) for GET and HEAD outside `/api`. */
export const serveWebApp = <E extends Env>(app: Hono<E>, webDir: string | undefined) => {
  const root = webDir ? path.resolve(webDir) : undefined
  const index = root ? path.join(root, "index.html") : undefined
  app.on(["GET", "HEAD"], "*", async (c, next) => {
    const pathname = decodeURIComponent(new URL(c.req.url).pathname)
    if (pathname === "/api" || pathname.startsWith("/api/")) return next()
    c.header("Content-Security-Policy", APP_CSP)
    if (!root || !index) return c.html(NOT_BUILT)
    const file = path.resolve(root, `.${pathname}`)
    const inside = file === root || file.startsWith(root + path.sep)
    if (inside && existsSync(file) && statSync(file).isFile() && path.basename(file) !== "index.html") {
      const hashed = pathname.startsWith("/assets/")
      c.header("Content-Type", TYPES[path.extname(file)] ?? "application/octet-stream")
      c.header("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache")
      return c.body(readFileSync(file))
    }
    // a missing asset is a 404, not the app's page
    if (pathname.startsWith("/assets/") || !inside) return c.text("not found", 404)
    c.header("Cache-Control", "no-cache")
    return c.html(readFileSync(index, "utf8"))
  })
}
