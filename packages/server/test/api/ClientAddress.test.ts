/** The client address rule: X-Forwarded-For is read only behind trusted proxies, right-most first. */
import { describe, expect, it } from "vitest"
import { forwardedClient, parseTrustedProxies } from "../../src/api/ClientAddress.js"

describe("forwardedClient", () => {
  const proxies = parseTrustedProxies(" 10.0.0.5, 10.1.0.0/16 ,fd00::/8")

  it("is the peer when no proxy is trusted, whatever the header says", () => {
    expect(forwardedClient("203.0.113.9", "198.51.100.1", undefined)).toBe("203.0.113.9")
    expect(forwardedClient("::ffff:203.0.113.9", undefined, undefined)).toBe("203.0.113.9")
  })

  it("is the peer when the peer is not a trusted proxy", () => {
    expect(forwardedClient("203.0.113.9", "198.51.100.1", proxies)).toBe("203.0.113.9")
  })

  it("is the right-most address that is not a trusted proxy", () => {
    expect(forwardedClient("10.0.0.5", "198.51.100.1", proxies)).toBe("198.51.100.1")
    expect(forwardedClient("::ffff:10.0.0.5", "1.2.3.4, 198.51.100.1, 10.1.4.4", proxies)).toBe("198.51.100.1")
    expect(forwardedClient("fd00::1", "2001:db8::7", proxies)).toBe("2001:db8::7")
    // a chain of proxies only: the left-most of them
    expect(forwardedClient("10.0.0.5", "10.1.2.3", proxies)).toBe("10.1.2.3")
  })

  it("stops at an entry that is not an address, at the proxy that passed it on", () => {
    expect(forwardedClient("10.0.0.5", "198.51.100.1, unknown", proxies)).toBe("10.0.0.5")
    expect(forwardedClient("10.0.0.5", "", proxies)).toBe("10.0.0.5")
  })
})

describe("parseTrustedProxies", () => {
  it("trusts none by default", () => {
    expect(parseTrustedProxies(undefined)).toBeUndefined()
    expect(parseTrustedProxies(" , ")).toBeUndefined()
  })

  it("refuses what is not an address or a CIDR range, naming it", () => {
    for (const wrong of ["proxy.school.example", "10.0.0.0/33", "10.0.0.1/8/2", "fd00::/129", "10.0.0.0/x"]) {
      expect(() => parseTrustedProxies(`10.0.0.5,${wrong}`)).toThrow(`"${wrong}" is not an address or a CIDR range`)
    }
  })
})
