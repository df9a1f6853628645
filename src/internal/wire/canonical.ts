/**
 * One shared copy of the values decoding makes again and again: hosts,
 * addresses, version tuples and member names. With N members in one process,
 * every member's table holds a record for every other member, each decoded
 * from its own packet: N^2 copies of the same `127.0.0.1`, `{ host, port }`
 * and six-number tuple. Handing out one canonical copy per value makes those
 * N^2 records share N values, and a known IPv4 host or address costs no
 * allocation to decode.
 *
 * Every table is process-wide and bounded; a value that finds its table full
 * is used as decoded (correct, just not shared) and counted, in the table's
 * `refusals` and in the process-wide `memberlist_wire_unshared` counter.
 * The values are immutable (`readonly` in their types), so sharing them
 * between members cannot leak one member's change into another.
 *
 * @internal
 */
import { Metric } from "effect"
import type { Address, Versions } from "../swim/messages.js"

/** Most values one table holds: far more than the members one process meets, a few MiB at most. */
export const canonicalCapacity = 1 << 16

/** Decoded values used unshared because their table was full, all tables of the process together. */
export const unshared = Metric.counter("memberlist_wire_unshared", {
  description: "decoded hosts, addresses, version tuples and names left unshared: their table was full"
})
const noLabels: ReadonlyArray<never> = []
const countUnshared = (): void => unshared.unsafeUpdate(1, noLabels)

/** A bounded table of canonical values by key; full, it hands out the value it is given. */
export class CanonicalTable<K, V> {
  private readonly values = new Map<K, V>()
  /** Values that found the table full and were used unshared. */
  refusals = 0

  constructor(readonly capacity: number) {}

  /** How many values the table holds. */
  get size(): number {
    return this.values.size
  }

  /** The canonical value under `key`, made by `make` (and kept, when there is room) the first time. */
  get(key: K, make: (key: K) => V): V {
    const known = this.values.get(key)
    if (known !== undefined) return known
    const value = make(key)
    if (this.values.size < this.capacity) this.values.set(key, value)
    else {
      this.refusals++
      countUnshared()
    }
    return value
  }
}

/**
 * Canonical addresses, by canonical host and then port: two lookups on a
 * string whose hash is already computed, no key to build.
 */
export class AddressTable {
  private readonly byHost = new Map<string, Map<number, Address>>()
  private count = 0
  /** Addresses that found the table full and were used unshared. */
  refusals = 0

  constructor(readonly capacity: number) {}

  /** How many addresses the table holds. */
  get size(): number {
    return this.count
  }

  /** The canonical `{ host, port }` when the table holds it; never adds one. */
  peek(host: string, port: number): Address | undefined {
    return this.byHost.get(host)?.get(port)
  }

  /** The canonical `{ host, port }`. */
  get(host: string, port: number): Address {
    let ports = this.byHost.get(host)
    const known = ports?.get(port)
    if (known !== undefined) return known
    const address: Address = { host, port }
    if (this.count >= this.capacity) {
      this.refusals++
      countUnshared()
      return address
    }
    if (ports === undefined) {
      ports = new Map()
      this.byHost.set(host, ports)
    }
    ports.set(port, address)
    this.count++
    return address
  }
}

/** IPv4 hosts by their 32-bit value (signed: see `ipv4Host`). */
export const ipv4Hosts = new CanonicalTable<number, string>(canonicalCapacity)
/** Other hosts (IPv6) by their text. */
export const otherHosts = new CanonicalTable<string, string>(canonicalCapacity)
/** Addresses. */
export const addresses = new AddressTable(canonicalCapacity)
/** Version tuples by their six bytes read as one number (exact below 2^48). */
export const versionTuples = new CanonicalTable<number, Versions>(canonicalCapacity)
/** Member names. */
export const names = new CanonicalTable<string, string>(canonicalCapacity)
/** Hosts' wire bytes by their text, for encoding: read-only, copied into each packet, never handed out. */
export const hostBytes = new CanonicalTable<string, Uint8Array>(canonicalCapacity)

/** Values turned away by a full table since the process started, all tables together. */
export const refusals = (): number =>
  ipv4Hosts.refusals + otherHosts.refusals + addresses.refusals + versionTuples.refusals + names.refusals +
  hostBytes.refusals

const ipv4Text = (ip: number): string => `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`
const same = <A>(a: A): A => a

/**
 * The canonical text of the IPv4 address in the four bytes `b[at..at+3]`. Keyed by the four bytes as a
 * signed 32-bit number: a small integer to V8, where an unsigned one above 2^31 (any 128.0.0.0 and up)
 * is a boxed number made for every lookup.
 */
export const ipv4Host = (b: Uint8Array, at = 0): string =>
  ipv4Hosts.get((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!, ipv4Text)

/** The canonical copy of host text `host` (for hosts not decoded from four bytes). */
export const otherHost = (host: string): string => otherHosts.get(host, same)

/** The canonical `{ host, port }`; shared only when `host` is itself canonical. */
export const address = (host: string, port: number): Address => addresses.get(host, port)

/**
 * The canonical copy of a packet's source address when one was decoded before (a member's own
 * address is, from its alive), else the address as it came: a source is looked up, never added, so
 * forged sources cannot fill the table.
 */
export const knownAddress = (address: Address): Address => addresses.peek(address.host, address.port) ?? address

/** The canonical `{ host, port }` when one was decoded before, else undefined; never adds one (see `knownAddress`). */
export const peekAddress = (host: string, port: number): Address | undefined => addresses.peek(host, port)

// The tuple is rebuilt from its key, so a lookup of a known tuple allocates no closure over the bytes.
const versionsOfKey = (key: number): Versions => {
  const high = Math.floor(key / 2 ** 32)
  const low = key % 2 ** 32
  return [high >>> 8, high & 255, low >>> 24, (low >>> 16) & 255, (low >>> 8) & 255, low & 255]
}

/**
 * The tuple `versions` gave last. A cluster speaks one or two version tuples, so most reads are the last
 * one again: six byte comparisons instead of a key above 2^32 (a boxed number) and its lookup.
 */
let lastTuple: Versions | undefined

/** The canonical tuple of the six versions in `b[at..at+5]`. */
export const versions = (b: Uint8Array, at = 0): Versions => {
  const last = lastTuple
  if (
    last !== undefined && last[0] === b[at] && last[1] === b[at + 1] && last[2] === b[at + 2] && last[3] === b[at + 3] &&
    last[4] === b[at + 4] && last[5] === b[at + 5]
  ) return last
  lastTuple = versionTuples.get(
    (b[at]! * 256 + b[at + 1]!) * 2 ** 32 + (((b[at + 2]! << 24) | (b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!) >>> 0),
    versionsOfKey
  )
  return lastTuple
}

/** The canonical copy of member name `name`. */
export const name = (name: string): string => names.get(name, same)

/**
 * Canonical names found by their UTF-8 bytes, so that reading a name the process already knows
 * builds no string: a decoded name was built one character at a time, and then thrown away for the
 * canonical copy. Names of ASCII only (their bytes are their character codes) are indexed, by a hash
 * of the bytes; a hash taken by another name keeps that one (the newcomer is read the slow way, as
 * before). Bounded with the names table.
 */
const namesByBytes = new Map<number, string>()

const fnvBasis = 0x811c9dc5
const fnvStep = (h: number, code: number): number => Math.imul(h ^ code, 0x01000193)

/** The index's key for the name whose UTF-8 is `b[start, start + n)` (FNV-1a, 32 bits). */
export const nameHash = (b: Uint8Array, start: number, n: number): number => {
  let h = fnvBasis
  for (let i = start; i < start + n; i++) h = fnvStep(h, b[i]!)
  return h >>> 0
}

/** The canonical name whose UTF-8 is `b[start, start + n)`, when it is indexed; else undefined. */
export const knownName = (b: Uint8Array, start: number, n: number): string | undefined => {
  const found = namesByBytes.get(nameHash(b, start, n))
  if (found === undefined || found.length !== n) return undefined
  for (let i = 0; i < n; i++) if (found.charCodeAt(i) !== b[start + i]) return undefined
  return found
}

/** Indexes canonical name `name` by its bytes (see `knownName`) when it is ASCII and there is room. */
export const indexName = (name: string): void => {
  if (namesByBytes.size >= canonicalCapacity) return
  let h = fnvBasis
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    if (code >= 0x80) return
    h = fnvStep(h, code)
  }
  if (!namesByBytes.has(h >>> 0)) namesByBytes.set(h >>> 0, name)
}
