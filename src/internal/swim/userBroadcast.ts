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
 * @internal
 */

const magic0 = 0xb5
const magic1 = 0x01
const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { fatal: true })

/** A broadcast's identity and body. */
export interface BroadcastEnvelope {
  readonly origin: string
  readonly seq: number
  readonly body: Uint8Array
}

/** Wraps a body for gossip. `origin` must be at most 255 UTF-8 bytes (longer names are cut). */
export const encodeEnvelope = (origin: string, seq: number, body: Uint8Array): Uint8Array => {
  const name = encoder.encode(origin).subarray(0, 255)
  const out = new Uint8Array(3 + name.length + 4 + body.length)
  out[0] = magic0
  out[1] = magic1
  out[2] = name.length
  out.set(name, 3)
  new DataView(out.buffer).setUint32(3 + name.length, seq >>> 0)
  out.set(body, 7 + name.length)
  return out
}

/** Reads an envelope, or undefined when the payload is not one. */
export const decodeEnvelope = (payload: Uint8Array): BroadcastEnvelope | undefined => {
  if (payload.length < 7 || payload[0] !== magic0 || payload[1] !== magic1) return undefined
  const nameLength = payload[2] as number
  if (payload.length < 7 + nameLength || nameLength === 0) return undefined
  let origin: string
  try {
    origin = decoder.decode(payload.subarray(3, 3 + nameLength))
  } catch {
    return undefined
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  return { origin, seq: view.getUint32(3 + nameLength), body: payload.subarray(7 + nameLength) }
}


/** A bounded memory of broadcasts already seen (oldest forgotten first). */
export interface SeenBroadcasts {
  readonly ids: Set<string>
  readonly capacity: number
}

/** An empty memory holding at most `capacity` ids. */
export const makeSeenBroadcasts = (capacity: number): SeenBroadcasts => ({ ids: new Set(), capacity })

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
