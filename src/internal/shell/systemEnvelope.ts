/**
 * Messages of the library's own modules (leader election, for one), which
 * travel as user messages but are not the application's: a payload that
 * starts with 0xB5 0x1E is one, and goes to the module its channel byte
 * names instead of the application's `receive`.
 *
 * Layout: 0xB5 0x1E, channel (1 byte), body. 0xB5 opens every envelope of
 * ours (0x01 broadcast, 0x02 sender, 0x03 keyed broadcast); 0x1E, a control
 * character, keeps it apart from an application's own msgpack (0xB5 is a
 * 21-character string, which would have to start with that character).
 *
 * A Go memberlist node is never sent one (modules address only members
 * that advertise our envelopes, see `sender.ts`); if one got there, its
 * delegate's `NotifyMsg` would receive these bytes as they are. An
 * effect-memberlist member too old to know the envelope hands it to its
 * application's schema, which rejects and counts it.
 *
 * @internal
 */

/** The modules that have a channel. */
export const SystemChannel = {
  /** Leader election (`Leader`). */
  Leader: 1
} as const
/** A channel number. */
export type SystemChannel = (typeof SystemChannel)[keyof typeof SystemChannel]

const magic0 = 0xb5
const magic1 = 0x1e
const headerSize = 3

/** `body` wrapped for `channel`. */
export const encodeSystemEnvelope = (channel: SystemChannel, body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(headerSize + body.length)
  out[0] = magic0
  out[1] = magic1
  out[2] = channel
  out.set(body, headerSize)
  return out
}

/** Whether `payload` is a system message (of any channel, known or not). */
export const isSystemEnvelope = (payload: Uint8Array): boolean =>
  payload.length >= headerSize && payload[0] === magic0 && payload[1] === magic1

/** The channel and body of a system message, or undefined when `payload` is not one. */
export const decodeSystemEnvelope = (payload: Uint8Array): { readonly channel: number; readonly body: Uint8Array } | undefined =>
  isSystemEnvelope(payload) ? { channel: payload[2] as number, body: payload.subarray(headerSize) } : undefined
