/**
 * The envelope that lets user broadcasts reach everyone.
 *
 * memberlist only gossips a user broadcast from the node that made it, a
 * handful of times, and leaves re-broadcasting to the application (Serf does
 * it). We do it in the protocol: a broadcast carries its origin and a
 * sequence number, every node that sees it for the first time delivers it
 * and gossips it on, and a bounded memory of what was seen stops the echo.
 *
 * Layout: 0xB5 0x01, origin length (1 byte), origin (UTF-8), seq (4 bytes
 * big-endian), body. A user message without this prefix (from a Go node,
 * or a direct send) is delivered once and not re-gossiped.
 *
 * Only members that advertise it get the envelope: delegate maximum version
 * 1 or more, the same marker as the sender envelope (`sender.ts`). Any other
 * member (Go memberlist advertises 0..0) gets the plain body from the origin
 * alone, once, as a Go broadcaster would send it (see `dissemination.ts`).
 *
 * A keyed broadcast (0xB5 0x03) also carries its key after the seq (length,
 * 1 byte, then UTF-8): a newer broadcast with the same origin and key
 * replaces the older one in every queue it reaches, and an older one that
 * arrives after a newer one is neither delivered nor gossiped on, so every
 * member ends with the latest value and the older ones stop spreading.
 *
 * @internal
 */

import type { Versions } from "./messages.js"
import { ENVELOPE_DELEGATE_VERSION } from "./versions.js"

const magic0 = 0xb5
const plain = 0x01
const keyed = 0x03
/** The longest key, in UTF-8 bytes. */
export const maxBroadcastKeyBytes = 255
const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/** Whether a member with these versions reads the broadcast envelope. */
export const readsBroadcastEnvelope = (versions: Versions): boolean => versions[4] >= ENVELOPE_DELEGATE_VERSION

/** A broadcast's identity and body. */
export interface BroadcastEnvelope {
  readonly origin: string
  readonly seq: number
  /** Set for a keyed broadcast: a newer one with the same origin and key replaces it. */
  readonly key: string | undefined
  readonly body: Uint8Array
}

/**
 * Wraps a body for gossip. `origin` must be at most 255 UTF-8 bytes (longer
 * names are cut); `key`, when given, at most `maxBroadcastKeyBytes`.
 */
export const encodeEnvelope = (origin: string, seq: number, body: Uint8Array, key?: string): Uint8Array => {
  const name = encoder.encode(origin).subarray(0, 255)
  const keyBytes = key === undefined ? undefined : encoder.encode(key).subarray(0, maxBroadcastKeyBytes)
  const head = 3 + name.length + 4 + (keyBytes === undefined ? 0 : 1 + keyBytes.length)
  const out = new Uint8Array(head + body.length)
  out[0] = magic0
  out[1] = keyBytes === undefined ? plain : keyed
  out[2] = name.length
  out.set(name, 3)
  new DataView(out.buffer).setUint32(3 + name.length, seq >>> 0)
  if (keyBytes !== undefined) {
    out[7 + name.length] = keyBytes.length
    out.set(keyBytes, 8 + name.length)
  }
  out.set(body, head)
  return out
}

const text = (bytes: Uint8Array): string | undefined => {
  try {
    return decoder.decode(bytes)
  } catch {
    return undefined
  }
}

/** Reads an envelope, or undefined when the payload is not one. */
export const decodeEnvelope = (payload: Uint8Array): BroadcastEnvelope | undefined => {
  if (payload.length < 7 || payload[0] !== magic0 || (payload[1] !== plain && payload[1] !== keyed)) return undefined
  const nameLength = payload[2] as number
  if (payload.length < 7 + nameLength || nameLength === 0) return undefined
  const origin = text(payload.subarray(3, 3 + nameLength))
  if (origin === undefined) return undefined
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const seq = view.getUint32(3 + nameLength)
  if (payload[1] === plain) return { origin, seq, key: undefined, body: payload.subarray(7 + nameLength) }
  const keyAt = 8 + nameLength
  if (payload.length < keyAt) return undefined
  const keyLength = payload[7 + nameLength] as number
  if (payload.length < keyAt + keyLength) return undefined
  const key = text(payload.subarray(keyAt, keyAt + keyLength))
  return key === undefined ? undefined : { origin, seq, key, body: payload.subarray(keyAt + keyLength) }
}


/** A bounded memory of broadcasts already seen (oldest forgotten first), and of each key's latest seq. */
export interface SeenBroadcasts {
  readonly ids: Set<string>
  /** `origin/key` -> the highest seq seen for it. */
  readonly latest: Map<string, number>
  readonly capacity: number
}

/** An empty memory holding at most `capacity` ids and `capacity` keys. */
export const makeSeenBroadcasts = (capacity: number): SeenBroadcasts => ({ ids: new Set(), latest: new Map(), capacity })

/** The queue and memory key of a keyed broadcast: one per origin and key. */
export const keyedId = (origin: string, key: string): string => `${origin}/${key}`

/**
 * Records `seq` as the latest for `id` unless a later one was seen; returns
 * false for a broadcast older than one already seen (it is stale).
 */
export const markLatest = (seen: SeenBroadcasts, id: string, seq: number): boolean => {
  const latest = seen.latest.get(id)
  if (latest !== undefined && latest > seq) return false
  seen.latest.delete(id)
  seen.latest.set(id, seq)
  if (seen.latest.size > seen.capacity) {
    const oldest = seen.latest.keys().next()
    if (oldest.done !== true) seen.latest.delete(oldest.value)
  }
  return true
}

/** Records an id; returns false when it was already there. */
export const markSeen = (seen: SeenBroadcasts, id: string): boolean => {
  if (seen.ids.has(id)) return false
  seen.ids.add(id)
  if (seen.ids.size > seen.capacity) {
    const oldest = seen.ids.values().next()
    if (oldest.done !== true) seen.ids.delete(oldest.value)
  }
  return true
}
