import { describe, expect, it } from "vitest"
import { isAllowedHost, parseAllowedHost, showUrl } from "../src/UrlSource.js"

describe("the scrape allow-list", () => {
  it("reads host and host:port entries, case and a trailing dot ignored, IPv6 in brackets or bare", () => {
    expect(parseAllowedHost(" Intranet.School.Test ")).toEqual({ host: "intranet.school.test", port: undefined })
    expect(parseAllowedHost("files.school.test.:8080")).toEqual({ host: "files.school.test", port: "8080" })
    expect(parseAllowedHost("[::1]:8443")).toEqual({ host: "::1", port: "8443" })
    expect(parseAllowedHost("[::1]")).toEqual({ host: "::1", port: undefined })
    expect(parseAllowedHost("::1")).toEqual({ host: "::1", port: undefined })
  })

  it("allows a host on any port, a host:port on that port only (the scheme's port when none is written)", () => {
    const allowed = ["Intranet.School.Test", "files.school.test:8080", "secure.school.test:443", "[::1]:9000"]
    expect(isAllowedHost(new URL("http://intranet.school.test/a"), allowed)).toBe(true)
    expect(isAllowedHost(new URL("https://INTRANET.school.test:9999/a"), allowed)).toBe(true)
    expect(isAllowedHost(new URL("http://files.school.test:8080/x.csv"), allowed)).toBe(true)
    expect(isAllowedHost(new URL("http://files.school.test/x.csv"), allowed)).toBe(false)
    expect(isAllowedHost(new URL("https://secure.school.test/"), allowed)).toBe(true)
    expect(isAllowedHost(new URL("http://secure.school.test/"), allowed)).toBe(false)
    expect(isAllowedHost(new URL("http://[::1]:9000/"), allowed)).toBe(true)
    expect(isAllowedHost(new URL("http://[::1]:9001/"), allowed)).toBe(false)
    // a look-alike is another host
    expect(isAllowedHost(new URL("http://intranet.school.test.evil.test/"), allowed)).toBe(false)
    expect(isAllowedHost(new URL("http://evil.test/?intranet.school.test"), allowed)).toBe(false)
    expect(isAllowedHost(new URL("http://intranet.school.test/"), [])).toBe(false)
  })

  it("shows addresses without a user name or password", () => {
    expect(showUrl("https://ops:s3cret@intranet.school.test/report?term=1")).toBe(
      "https://intranet.school.test/report?term=1",
    )
  })
})
