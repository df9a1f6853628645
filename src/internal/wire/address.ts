/**
 * IP addresses as memberlist puts them on the wire: Go's `net.IP` bytes,
 * 4 for IPv4 and 16 for IPv6.
 *
 * Decoding renders IPv6 in the RFC 5952 form (lowercase, longest run of
 * zero groups compressed), which is what Node's `net` prints, so decoded
 * hosts compare equal to the ones the shell sees. An IPv4-mapped IPv6
 * address (`::ffff:a.b.c.d`) decodes to the dotted IPv4 form, as Go's
 * `net.IP.String` does; it then re-encodes as 4 bytes.
 *
 * @internal
 */
import { isIPv4, isIPv6 } from "node:net"

/** Byte length of `host` on the wire (4 or 16). */
export const ipByteLength = (host: string): 4 | 16 => (host.includes(":") ? 16 : 4)

const stripZone = (host: string): string => {
  const i = host.indexOf("%")
  return i < 0 ? host : host.slice(0, i)
}

/**
 * Writes `host` into `out` at `offset`; returns the bytes written (4 or 16).
 * The encoder's input is a valid core value, so an invalid literal is a bug
 * in the caller and is reported by throwing.
 */
const writeIp = (host: string, out: Uint8Array, offset: number): number => {
  if (!host.includes(":")) {
    const parts = host.split(".")
    if (parts.length !== 4 || !isIPv4(host)) throw new TypeError(`not an IP literal: ${host}`)
    for (let i = 0; i < 4; i++) out[offset + i] = Number(parts[i])
    return 4
  }
  const h = stripZone(host)
  if (!isIPv6(h)) throw new TypeError(`not an IP literal: ${host}`)
  const groups = ipv6Groups(h)
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0
    out[offset + 2 * i] = g >>> 8
    out[offset + 2 * i + 1] = g & 0xff
  }
  return 16
}

/** `host` as a fresh 4- or 16-byte array. */
export const ipToBytes = (host: string): Uint8Array => {
  const out = new Uint8Array(ipByteLength(host))
  writeIp(host, out, 0)
  return out
}

/** The eight 16-bit groups of a valid IPv6 literal (handles `::` and an IPv4 tail). */
const ipv6Groups = (h: string): Array<number> => {
  let tail: Array<number> = []
  let text = h
  const lastColon = text.lastIndexOf(":")
  const last = text.slice(lastColon + 1)
  if (last.includes(".")) {
    const v4 = last.split(".").map(Number)
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)]
    text = text.slice(0, lastColon + 1) + "0"
    // The placeholder "0" stands in for the tail's first group; the tail replaces the last two.
  }
  const parse = (s: string): Array<number> => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)))
  let groups: Array<number>
  const dbl = text.indexOf("::")
  if (dbl >= 0) {
    const head = parse(text.slice(0, dbl))
    const rest = parse(text.slice(dbl + 2))
    const want = tail.length > 0 ? 8 - 1 : 8
    groups = [...head, ...new Array<number>(Math.max(0, want - head.length - rest.length)).fill(0), ...rest]
  } else {
    groups = parse(text)
  }
  if (tail.length > 0) groups = [...groups.slice(0, groups.length - 1), ...tail]
  return groups
}

/**
 * Renders 4 or 16 wire bytes as an IP literal, or returns `undefined` for
 * any other length.
 */
export const ipFromBytes = (b: Uint8Array): string | undefined => {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`
  if (b.length !== 16) return undefined
  let mapped = b[10] === 0xff && b[11] === 0xff
  for (let i = 0; i < 10 && mapped; i++) if (b[i] !== 0) mapped = false
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`
  const groups: Array<number> = []
  for (let i = 0; i < 8; i++) groups.push((b[2 * i]! << 8) | b[2 * i + 1]!)
  // Longest run of two or more zero groups, first one on a tie (RFC 5952 section 4.2).
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (gs: Array<number>): string => gs.map((g) => g.toString(16)).join(":")
  if (bestStart < 0) return hex(groups)
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`
}
