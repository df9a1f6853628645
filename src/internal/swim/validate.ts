/**
 * Field checks on every message before it reaches the protocol rules. The
 * wire decoder is strict already; this keeps the core safe on its own (the
 * simulator and tests feed it directly) so a bad value is reported and
 * changes nothing.
 *
 * @internal
 */
import type { Address, PacketMessage, PushNodeState, Versions } from "./messages.js"
import { maxNameLength } from "./state.js"

const isUint = (n: unknown, max: number): boolean =>
  typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= max

const uint32 = 0xffffffff

const validName = (name: unknown): boolean =>
  typeof name === "string" && name.length > 0 && name.length <= maxNameLength

/** Why `address` is unusable, or undefined when it is fine. */
export const invalidAddress = (address: Address | undefined): string | undefined => {
  if (address === undefined || address === null || typeof address !== "object") return "missing address"
  if (typeof address.host !== "string" || address.host.length === 0 || address.host.length > 64) return "bad host"
  if (!isUint(address.port, 65535)) return `bad port ${String(address.port)}`
  return undefined
}

/** Why `versions` cannot be right, or undefined. */
export const invalidVersions = (versions: Versions | undefined): string | undefined => {
  if (!Array.isArray(versions) || versions.length !== 6) return "versions must be six numbers"
  let any = false
  for (let i = 0; i < 6; i++) {
    const v = versions[i]
    if (!isUint(v, 255)) return "versions must be bytes"
    any ||= v !== 0
  }
  // memberlist accepts an alive without versions (decoded as all zeros): such a peer gets no nacks or TCP pings.
  if (!any) return undefined
  const [pMin, pMax, pCur] = versions
  if (pMin === 0 || pMax === 0 || pMin > pMax) return `protocol range ${pMin}..${pMax} is impossible`
  if (pCur < pMin || pCur > pMax) return `protocol ${pCur} outside ${pMin}..${pMax}`
  return undefined
}

/** Why `message` is malformed, or undefined when every field is in range. */
export const invalidMessage = (message: PacketMessage, maxMetaSize: number): string | undefined => {
  if (message === null || typeof message !== "object") return "not a message"
  switch (message._tag) {
    case "Ping":
      if (!isUint(message.seqNo, uint32)) return "bad seqNo"
      if (typeof message.node !== "string" || message.node.length > maxNameLength) return "bad node"
      if (message.source !== undefined) return invalidAddress(message.source.address)
      return undefined
    case "IndirectPing":
      if (!isUint(message.seqNo, uint32)) return "bad seqNo"
      if (typeof message.node !== "string" || message.node.length > maxNameLength) return "bad node"
      if (typeof message.nack !== "boolean") return "bad nack flag"
      return invalidAddress(message.target) ?? (message.source === undefined ? undefined : invalidAddress(message.source.address))
    case "Ack":
      if (!isUint(message.seqNo, uint32)) return "bad seqNo"
      return message.payload instanceof Uint8Array ? undefined : "bad payload"
    case "Nack":
      return isUint(message.seqNo, uint32) ? undefined : "bad seqNo"
    case "Suspect":
    case "Dead":
      if (!isUint(message.incarnation, uint32)) return "bad incarnation"
      if (!validName(message.node)) return "bad node"
      return validName(message.from) ? undefined : "bad from"
    case "Alive":
      if (!isUint(message.incarnation, uint32)) return "bad incarnation"
      if (!validName(message.node)) return "bad node"
      if (!(message.meta instanceof Uint8Array) || message.meta.length > maxMetaSize) return "bad or oversized meta"
      return invalidAddress(message.address) ?? invalidVersions(message.versions)
    case "User":
      return message.payload instanceof Uint8Array ? undefined : "bad payload"
    case "ErrorResponse":
      return typeof message.error === "string" ? undefined : "bad error"
    default:
      return "unknown message"
  }
}

/**
 * Metadata sizes of frozen push/pull entries found well formed (a
 * simulation's shared records, sent as they are by every view): checked
 * once, not once per receiver; what a bound can still refuse of them is
 * their metadata size. Weak: it goes with the records.
 */
const wellFormedShared = new WeakMap<PushNodeState, number>()

/** Why a push/pull entry is malformed, or undefined. */
export const invalidPushState = (s: PushNodeState, maxMetaSize: number): string | undefined => {
  if (s === null || typeof s !== "object") return "not a state"
  const frozen = Object.isFrozen(s)
  if (frozen) {
    const metaSize = wellFormedShared.get(s)
    if (metaSize !== undefined) return metaSize > maxMetaSize ? "bad or oversized meta" : undefined
  }
  const problem = malformedPushState(s, maxMetaSize)
  if (problem === undefined && frozen) wellFormedShared.set(s, s.meta.length)
  return problem
}

const malformedPushState = (s: PushNodeState, maxMetaSize: number): string | undefined => {
  if (!validName(s.name)) return "bad name"
  if (!isUint(s.incarnation, uint32)) return "bad incarnation"
  if (!isUint(s.state, 3)) return "bad state"
  if (!(s.meta instanceof Uint8Array) || s.meta.length > maxMetaSize) return "bad or oversized meta"
  return invalidAddress(s.address) ?? invalidVersions(s.versions)
}
