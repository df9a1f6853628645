/**
 * Who sent a user message, by name.
 *
 * A packet comes from the sender's own port (memberlist sends from the
 * socket it listens on), so the address index names it. A reliable message
 * comes from a temporary TCP port that names no one, so an effect-memberlist
 * member puts its name in front of the payload: 0xB5 0x02, name length (2
 * bytes big-endian), name (UTF-8), body. Only members that said they read
 * it get it: we advertise delegate version range 0..1 (current 0), and
 * wrap only towards a member whose delegate maximum is at least 1. Go
 * memberlist advertises 0..0 unless its application sets delegate versions,
 * so it never sees the envelope; and a current version of 0 keeps us within
 * the range every member must share (memberlist's `verifyProtocol`).
 *
 * @internal
 */
import type { Address, Versions } from "./messages.js"
import { addressKey } from "./addressKey.js"
import type { CoreState } from "./state.js"
import { ENVELOPE_DELEGATE_VERSION, makeVersions, PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN } from "./versions.js"

/** The delegate version that means "reads the sender envelope" (and the broadcast envelope). */
export const SENDER_ENVELOPE_VERSION = ENVELOPE_DELEGATE_VERSION

/** The versions this implementation advertises: memberlist's protocol range, and the envelope as delegate maximum. */
export const ownVersions = (protocolVersion: number): Versions =>
  makeVersions(PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_MAX, protocolVersion, 0, SENDER_ENVELOPE_VERSION, 0)

/** Whether a member with these versions reads the sender envelope. */
export const readsSenderEnvelope = (versions: Versions): boolean => versions[4] >= SENDER_ENVELOPE_VERSION

/**
 * Whether a reliable message to `to` carries the sender envelope: only when
 * `to` is a member we know that reads it. An unknown address may be a Go
 * node, which would hand the envelope to its application as message bytes.
 */
export const wantsSenderEnvelope = (state: CoreState, to: Address): boolean => {
  const peer = state.byAddress.get(addressKey(to))
  return peer !== undefined && readsSenderEnvelope(peer.versions)
}

/** The member whose address a packet came from, if it is one we know. */
export const memberAt = (state: CoreState, from: Address): string | undefined =>
  state.byAddress.get(addressKey(from))?.name

const magic0 = 0xb5
const magic1 = 0x02
const headerSize = 4
const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/** Puts `sender` in front of `body`. Names longer than 65535 UTF-8 bytes are cut (member names are far shorter). */
export const encodeSenderEnvelope = (sender: string, body: Uint8Array): Uint8Array => {
  const name = encoder.encode(sender).subarray(0, 0xffff)
  const out = new Uint8Array(headerSize + name.length + body.length)
  out[0] = magic0
  out[1] = magic1
  new DataView(out.buffer).setUint16(2, name.length)
  out.set(name, headerSize)
  out.set(body, headerSize + name.length)
  return out
}

/** Reads a sender envelope, or undefined when the payload is not one. */
export const decodeSenderEnvelope = (payload: Uint8Array): { readonly sender: string; readonly body: Uint8Array } | undefined => {
  if (payload.length < headerSize || payload[0] !== magic0 || payload[1] !== magic1) return undefined
  const nameLength = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint16(2)
  if (nameLength === 0 || payload.length < headerSize + nameLength) return undefined
  try {
    const sender = decoder.decode(payload.subarray(headerSize, headerSize + nameLength))
    return { sender, body: payload.subarray(headerSize + nameLength) }
  } catch {
    return undefined
  }
}
