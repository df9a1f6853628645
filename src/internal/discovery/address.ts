import { isIP, isIPv4, isIPv6 } from "node:net"
import type { Address } from "../../Transport.js"
import { DiscoveryError } from "./error.js"

/**
 * A static entry after parsing: either already an address (an IP literal and
 * a port), or a hostname to resolve each time discovery runs, because the
 * addresses behind a name change (a redeployed seed keeps its name).
 */
export type Entry =
  | { readonly _tag: "Literal"; readonly address: Address }
  | { readonly _tag: "Host"; readonly host: string; readonly port: number }

const invalid = (input: string, why: string): DiscoveryError =>
  new DiscoveryError({ reason: "InvalidAddress", message: `invalid address ${JSON.stringify(input)}: ${why}`, input })

/** True for an integer port a peer can listen on (0 means "any" when binding, never a peer's port). */
export const isValidPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535

const parsePort = (text: string, input: string): number | DiscoveryError => {
  // Digits only: Number("0x1f") or Number(" 80") would quietly accept junk.
  if (!/^\d{1,5}$/.test(text)) return invalid(input, `port ${JSON.stringify(text)} is not a number`)
  const port = Number(text)
  return isValidPort(port) ? port : invalid(input, `port ${port} is outside 1..65535`)
}

const label = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i

/**
 * A DNS name as resolvers accept it: dot-separated labels of letters, digits,
 * `-` and `_` (SRV names start with `_service._proto`), at most 253
 * characters, an optional final dot. A name whose last label is all digits is
 * refused: it is a mistyped IPv4 literal ("127.0.0" or "300.1.1.1"), and
 * sending it to DNS would only hide the typo.
 */
export const isHostname = (host: string): boolean => {
  const name = host.endsWith(".") ? host.slice(0, -1) : host
  if (name.length === 0 || name.length > 253) return false
  const labels = name.split(".")
  if (!labels.every((l) => label.test(l))) return false
  return !/^\d+$/.test(labels[labels.length - 1] ?? "")
}

/**
 * The canonical text of an IP literal, so that "0:0::1" and "::1" (or
 * "::FFFF:127.0.0.1" and "::ffff:7f00:1") are the same address when results
 * are deduplicated. WHATWG URL parsing does the RFC 5952 compression for us.
 */
export const normalizeIp = (host: string): string => {
  if (isIPv4(host)) return host
  if (isIPv6(host) && !host.includes("%")) {
    try {
      return new URL(`http://[${host}]/`).hostname.slice(1, -1)
    } catch {
      return host.toLowerCase()
    }
  }
  return host.toLowerCase()
}

const fromHostAndPort = (host: string, port: number, input: string): Entry | DiscoveryError => {
  if (isIP(host) !== 0) return { _tag: "Literal", address: { host: normalizeIp(host), port } }
  if (isHostname(host)) return { _tag: "Host", host: host.toLowerCase(), port }
  return invalid(input, `${JSON.stringify(host)} is neither an IP address nor a hostname`)
}

/**
 * Parses one static entry: "host:port", "[v6]:port", "v4:port", or an IP
 * literal / hostname alone when `defaultPort` is given. A bare IPv6 literal is
 * always an address without port ("::1:7946" is itself a valid IPv6
 * address), which is why IPv6 with a port must be bracketed.
 */
export const parseEntry = (entry: string | Address, defaultPort: number | undefined): Entry | DiscoveryError => {
  if (typeof entry !== "string") {
    const input = `${entry.host}:${entry.port}`
    if (!isValidPort(entry.port)) return invalid(input, `port ${entry.port} is outside 1..65535`)
    const host = entry.host.startsWith("[") && entry.host.endsWith("]") ? entry.host.slice(1, -1) : entry.host
    return fromHostAndPort(host.trim(), entry.port, input)
  }
  const input = entry
  const text = entry.trim()
  if (text.length === 0) return invalid(input, "empty")
  const withDefault = (host: string): Entry | DiscoveryError =>
    defaultPort === undefined
      ? invalid(input, "no port (write host:port, or give defaultPort)")
      : fromHostAndPort(host, defaultPort, input)

  if (text.startsWith("[")) {
    const match = /^\[([^\]]+)\](?::(.*))?$/.exec(text)
    const host = match?.[1]
    if (match === null || host === undefined || !isIPv6(host)) return invalid(input, "brackets must hold an IPv6 address")
    if (match[2] === undefined) return withDefault(host)
    const port = parsePort(match[2], input)
    return typeof port === "number" ? fromHostAndPort(host, port, input) : port
  }
  if (isIPv6(text)) return withDefault(text)
  const colon = text.lastIndexOf(":")
  if (colon < 0) return withDefault(text)
  const host = text.slice(0, colon)
  if (host.includes(":")) return invalid(input, "an IPv6 address with a port must be bracketed: [v6]:port")
  const port = parsePort(text.slice(colon + 1), input)
  return typeof port === "number" ? fromHostAndPort(host, port, input) : port
}

/** The 8 groups of an IPv6 address (an embedded IPv4 tail counts as 2), for numeric ordering. */
const ipv6Groups = (host: string): ReadonlyArray<number> | undefined => {
  const [head = "", tail] = host.split("%")[0]!.split("::") as [string?, string?]
  const parse = (part: string): Array<number> | undefined => {
    if (part === "") return []
    const groups: Array<number> = []
    for (const piece of part.split(":")) {
      if (isIPv4(piece)) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split(".").map(Number)
        groups.push((a << 8) | b, (c << 8) | d)
      } else {
        groups.push(parseInt(piece, 16))
      }
    }
    return groups
  }
  const left = parse(head)
  const right = tail === undefined ? [] : parse(tail)
  if (left === undefined || right === undefined) return undefined
  const zeros = new Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0)
  return [...left, ...zeros, ...right]
}

const compareNumbers = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return a.length - b.length
}

const hostKey = (host: string): ReadonlyArray<number> | undefined =>
  isIPv4(host) ? host.split(".").map(Number) : isIPv6(host) ? ipv6Groups(host) : undefined

/**
 * IPv4 before IPv6, then numerically by address (127.0.0.9 before 127.0.0.10),
 * then by port; anything that is not an IP literal last, as text. A total
 * order, so the same records always give the same list.
 */
const compareAddresses = (a: Address, b: Address): number => {
  const family = (h: string) => (isIPv4(h) ? 4 : isIPv6(h) ? 6 : 99)
  const byFamily = family(a.host) - family(b.host)
  if (byFamily !== 0) return byFamily
  const ka = hostKey(a.host)
  const kb = hostKey(b.host)
  const byHost =
    ka !== undefined && kb !== undefined ? compareNumbers(ka, kb) : a.host < b.host ? -1 : a.host > b.host ? 1 : 0
  if (byHost !== 0) return byHost
  if (a.host !== b.host) return a.host < b.host ? -1 : 1
  return a.port - b.port
}

/** Canonical hosts, sorted, without duplicates: what every discovery returns. */
export const normalizeAll = (addresses: Iterable<Address>): ReadonlyArray<Address> => {
  const unique = new Map<string, Address>()
  for (const address of addresses) {
    const host = normalizeIp(address.host)
    const key = `${host}|${address.port}`
    if (!unique.has(key)) unique.set(key, { host, port: address.port })
  }
  return Array.from(unique.values()).sort(compareAddresses)
}
