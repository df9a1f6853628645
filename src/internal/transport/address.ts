/**
 * Address helpers shared by the Node and memory transports.
 *
 * @internal
 */
import { isIP, isIPv4 } from "node:net"
import type { Address } from "../../Transport.js"
import { formatAddress } from "../swim/messages.js"

/** 4 or 6 for an IP literal (an IPv6 zone suffix is allowed), undefined otherwise. */
export const ipFamily = (host: string): 4 | 6 | undefined => {
  const family = isIP(host)
  return family === 4 ? 4 : family === 6 ? 6 : undefined
}

/**
 * The host as peers should see it: a dual-stack IPv6 socket reports IPv4
 * peers as `::ffff:a.b.c.d`, which we turn back into `a.b.c.d` so that the
 * address equals the one the peer advertises (and the one memberlist's wire
 * decoder produces). IPv6 literals are lowercased so equal addresses compare
 * equal as strings.
 */
export const normalizeHost = (host: string): string => {
  const lower = host.toLowerCase()
  if (lower.startsWith("::ffff:")) {
    const tail = lower.slice(7)
    if (isIPv4(tail)) return tail
  }
  return lower
}

/** A string that is equal for equal addresses, for use as a map key. */
export const addressKey = (address: Address): string =>
  formatAddress({ host: normalizeHost(address.host), port: address.port })
