/**
 * The JavaScript the browser downloads stays within its budget: 150 KB gzipped for the whole
 * app, every screen included (the build, not a timing). `npm run bench` prints the figures.
 */
import { existsSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
// @ts-expect-error: a plain script without declarations
import { webSize } from "../../../scripts/web-size.mjs"
import { WEB_DIST } from "./e2e/harness"

describe("the web app's weight", () => {
  it("ships at most 150 KB of gzipped JavaScript in total", () => {
    expect(existsSync(join(WEB_DIST, "index.html")), "build the app first: npm run build").toBe(true)
    const size = webSize() as { jsGzip: number; budget: number; files: Array<{ name: string }> }
    expect(size.files.some((file) => file.name.endsWith(".js"))).toBe(true)
    expect(size.jsGzip).toBeLessThanOrEqual(size.budget)
  })
})
