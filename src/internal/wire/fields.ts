/**
 * Struct fields that several memberlist messages share, each sized, written
 * and read in one place so every message that carries it agrees byte for
 * byte: IP addresses, version vectors, and the member description that
 * `alive` and `pushNodeState` both hold.
 *
 * Field encodings follow go-msgpack as msgpack.ts describes it.
 *
 * @internal
 */
import { META_MAX_SIZE } from "../limits.js"
import type { Address, Versions } from "../swim/messages.js"
import { ipByteLength, ipFromBytes, ipToBytes } from "./address.js"
import type { MsgpackReader, MsgpackWriter } from "./msgpack.js"
import { bytesFieldSize, EMPTY_BYTES, stringSize, U16_MAX, U32_MAX, uintSize } from "./msgpack.js"
import * as Canonical from "./canonical.js"

/** Encoded size of a struct key: memberlist's keys are short ASCII, so a fixstr header and the name. */
export const keySize = (name: string): number => 1 + name.length

/** Records a missing required field in `r`. */
export const missing = (r: MsgpackReader, what: string): void => r.fail("Malformed", `missing field ${what}`)

// ---------------------------------------------------------------------------
// IP addresses: Go's net.IP, a []byte of 4 or 16
// ---------------------------------------------------------------------------

/** Encoded size of an IP `[]byte` field. */
export const ipFieldSize = (host: string): number => 1 + ipByteLength(host)

/** Writes an address's IP as a `[]byte` field (fixstr of 4 or 16 bytes). */
export const writeIpField = (w: MsgpackWriter, host: string): void => {
  // Parsed once per host: a push/pull or a round of alives writes the same few hosts many times over.
  const ip = Canonical.hostBytes.get(host, ipToBytes)
  w.byte(0xa0 | ip.length).raw(ip)
}

/** Reads an IP `[]byte` field (4 or 16 bytes), or undefined when it is empty/nil. */
export const readIp = (r: MsgpackReader, field: string): string | undefined => {
  const n = r.readSpan(16)
  if (r.failed || n === 0) return undefined
  if (n === 4) return Canonical.ipv4Host(r.bytes, r.spanStart)
  const b = r.bytes.subarray(r.spanStart, r.spanStart + n)
  const host = ipFromBytes(b)
  if (host === undefined) r.fail("Malformed", `${field} has ${b.length} bytes, expected 4 or 16`)
  return host === undefined ? undefined : Canonical.otherHost(host)
}

// ---------------------------------------------------------------------------
// Vsn: []uint8 of six versions
// ---------------------------------------------------------------------------

/** Encoded size of a Vsn field: a fixstr header and six bytes. */
const VERSIONS_FIELD_SIZE = 7

/** What a missing or empty Vsn means: memberlist reads it as version zero. */
const ZERO_VERSIONS: Versions = [0, 0, 0, 0, 0, 0]

const writeVersions = (w: MsgpackWriter, v: Versions): void => {
  w.byte(0xa6)
  for (const x of v) w.byte(x)
}

/** Reads a Vsn `[]uint8` field: empty is all zeros, any length but 0 or 6 is Malformed. */
const readVersions = (r: MsgpackReader): Versions => {
  const n = r.readSpan(6)
  if (r.failed) return ZERO_VERSIONS
  if (n === 0) return ZERO_VERSIONS
  if (n !== 6) {
    r.fail("Malformed", `Vsn has ${n} entries, expected 6`)
    return ZERO_VERSIONS
  }
  return Canonical.versions(r.bytes, r.spanStart)
}

// ---------------------------------------------------------------------------
// A member's description: alive and pushNodeState
// ---------------------------------------------------------------------------

/**
 * The key naming the member: memberlist's `alive` calls it Node and its
 * `pushNodeState` Name. Both sort between Meta and Port, so the shared
 * fields keep one order.
 */
export type MemberNameKey = "Node" | "Name"

/** What an alive message and a push/pull member entry both say about a member. */
export interface MemberDescription {
  readonly address: Address
  readonly incarnation: number
  readonly meta: Uint8Array
  readonly versions: Versions
}

/** Encoded size of the shared member fields (keys included; not the map header, not `State`). */
export const memberFieldsSize = (nameKey: MemberNameKey, name: string, m: MemberDescription): number =>
  keySize("Addr") +
  ipFieldSize(m.address.host) +
  keySize("Incarnation") +
  uintSize(m.incarnation) +
  keySize("Meta") +
  bytesFieldSize(m.meta.length) +
  keySize(nameKey) +
  stringSize(name) +
  keySize("Port") +
  uintSize(m.address.port) +
  keySize("Vsn") +
  VERSIONS_FIELD_SIZE

/**
 * Writes the shared member fields in go-msgpack's sorted key order. A
 * pushNodeState's `State` sorts between Port and Vsn, so it is written here
 * when given.
 */
export const writeMemberFields = (
  w: MsgpackWriter,
  nameKey: MemberNameKey,
  name: string,
  m: MemberDescription,
  state?: number
): void => {
  w.string("Addr")
  writeIpField(w, m.address.host)
  w.string("Incarnation").uint(m.incarnation)
  w.string("Meta").bytes(m.meta)
  w.string(nameKey).string(name)
  w.string("Port").uint(m.address.port)
  if (state !== undefined) w.string("State").uint(state)
  w.string("Vsn")
  writeVersions(w, m.versions)
}

/** The shared member fields as read so far; Go's zero values until a field arrives. */
export interface MemberFields {
  name: string | undefined
  host: string | undefined
  port: number
  meta: Uint8Array
  incarnation: number | undefined
  versions: Versions
}

/** Fresh fields for one struct: required ones undefined, the rest Go's zero values. */
export const emptyMemberFields = (): MemberFields => ({
  name: undefined,
  host: undefined,
  port: 0,
  meta: EMPTY_BYTES,
  incarnation: undefined,
  versions: ZERO_VERSIONS
})

/** Clears `f` for the next struct: as `emptyMemberFields` makes it, for a reader that keeps one. */
export const resetMemberFields = (f: MemberFields): void => {
  f.name = undefined
  f.host = undefined
  f.port = 0
  f.meta = EMPTY_BYTES
  f.incarnation = undefined
  f.versions = ZERO_VERSIONS
}

/**
 * Reads a member name as `r.readString()` does, but a name the process already knows is found by its
 * bytes, with no string built. An unknown name is read again from where it starts and, with `keep`,
 * made canonical (a member's own name, from its alive or push/pull entry); without, it is used as read
 * (a name a ping claims, which may be anything). Bin, which a string field refuses, is left to
 * `readString` and its error.
 */
export const readName = (r: MsgpackReader, keep: boolean): string => {
  const at = r.pos
  const type = r.bytes[at]
  if (at < r.end && type !== undefined && type >= 0xc4 && type <= 0xc6) return r.readString()
  const n = r.readSpan()
  if (n === 0) return ""
  const known = Canonical.knownName(r.bytes, r.spanStart, n)
  if (known !== undefined) return known
  r.pos = at
  const read = r.readString()
  if (!keep || r.failed) return read
  const name = Canonical.name(read)
  Canonical.indexName(name)
  return name
}

/**
 * Reads one shared member field into `f` when `key` names one (the name
 * under `nameKey`); false otherwise, so the caller reads or skips the value.
 */
export const readMemberField = (r: MsgpackReader, key: string, nameKey: MemberNameKey, f: MemberFields): boolean => {
  switch (key) {
    case nameKey:
      f.name = readName(r, true)
      return true
    case "Addr":
      f.host = readIp(r, nameKey === "Node" ? "alive.Addr" : "pushNodeState.Addr")
      return true
    case "Port":
      f.port = r.readUint(U16_MAX)
      return true
    case "Meta":
      f.meta = r.readBytes(META_MAX_SIZE)
      return true
    case "Incarnation":
      f.incarnation = r.readUint(U32_MAX)
      return true
    case "Vsn":
      f.versions = readVersions(r)
      return true
    default:
      return false
  }
}
