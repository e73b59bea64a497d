/**
 * The client address of a request, which the sign-in limits and the audit log use: the direct
 * peer, unless the peer is a proxy listed in BATCHOPS_TRUSTED_PROXIES (addresses and CIDRs,
 * comma-separated; none by default). Behind a trusted proxy the address is the right-most one
 * of `X-Forwarded-For` that is not itself a trusted proxy: the entries left of it were written
 * by the client and prove nothing, so a client cannot choose its own address.
 */
import { BlockList, isIP } from "node:net"
import { getConnInfo } from "@hono/node-server/conninfo"
import type { Context as HonoContext } from "hono"
import { UsageError } from "../UsageError.js"

/** `::ffff:203.0.113.9` (an IPv4 client of a dual-stack socket) as `203.0.113.9`. */
const plain = (address: string): string => {
  const trimmed = address.trim()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed)
  return mapped ? mapped[1]! : trimmed
}

const family = (address: string): "ipv4" | "ipv6" | undefined =>
  isIP(address) === 4 ? "ipv4" : isIP(address) === 6 ? "ipv6" : undefined

/** The trusted proxies of `BATCHOPS_TRUSTED_PROXIES`; undefined when none; a UsageError naming a wrong entry. */
export const parseTrustedProxies = (text: string | undefined): BlockList | undefined => {
  const entries = (text ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
  if (entries.length === 0) return undefined
  const list = new BlockList()
  for (const entry of entries) {
    const [address = "", prefix, extra] = entry.split("/")
    const kind = family(plain(address))
    const bits = prefix === undefined ? undefined : Number(prefix)
    const maxBits = kind === "ipv4" ? 32 : 128
    if (
      kind === undefined ||
      extra !== undefined ||
      (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= maxBits))
    ) {
      throw new UsageError(
        `BATCHOPS_TRUSTED_PROXIES: "${entry}" is not an address or a CIDR range (write e.g. 10.0.0.5,10.1.0.0/16,fd00::/8)`,
      )
    }
    if (bits === undefined) list.addAddress(plain(address), kind)
    else list.addSubnet(plain(address), bits, kind)
  }
  return list
}

const isTrusted = (trusted: BlockList, address: string): boolean => {
  const kind = family(address)
  return kind !== undefined && trusted.check(address, kind)
}

/** The client of a request from `peer` with this `X-Forwarded-For`, given the trusted proxies. */
export const forwardedClient = (peer: string, forwardedFor: string | undefined, trusted: BlockList | undefined) => {
  let client = plain(peer)
  if (trusted === undefined || forwardedFor === undefined) return client
  const hops = forwardedFor.split(",").map(plain)
  while (isTrusted(trusted, client) && hops.length > 0) {
    const next = hops.pop()!
    // an entry that is not an address (`unknown`, garbage) ends the chain at the last proxy
    if (family(next) === undefined) break
    client = next
  }
  return client
}

/** The client address of the request (`unknown` when the socket does not say). */
export const clientAddress = (c: HonoContext, trusted: BlockList | undefined): string => {
  let peer: string | undefined
  try {
    peer = getConnInfo(c).remote.address
  } catch {
    peer = undefined
  }
  if (peer === undefined) return "unknown"
  return forwardedClient(peer, c.req.header("X-Forwarded-For"), trusted)
}
