/**
 * Which outgoing packets carry memberlist's CRC frame (type 12 + CRC32, 5
 * bytes).
 *
 * The frame only ever goes to a peer that reads it (a known member whose
 * protocol max is at least 5: the core's `crc` flag). Beyond that:
 *
 * - An encrypted packet never needs it: AES-GCM's tag already rejects any
 *   changed byte, so the CRC would be 5 bytes of nothing.
 * - "withState" (the default) frames only packets that carry something a
 *   flipped bit could turn into a wrong belief: alive, suspect and dead
 *   claims, user data, an ack's payload, an error. A packet of bare pings,
 *   acks, nacks and indirect pings goes without: a corrupted one fails to
 *   match a sequence number, a name or an address, and so costs exactly what
 *   a lost packet costs, which the failure detector already absorbs. Steady
 *   probing is all such packets, and HashiCorp memberlist sends them
 *   unframed too (it frames only packets it sends with the node in hand).
 * - "always" frames every packet to such a peer (this library's behaviour
 *   before the option existed).
 * - "never" frames none: for networks that already guarantee integrity below
 *   memberlist (an IPsec or WireGuard tunnel) without memberlist encryption.
 *
 * Receiving is unchanged by the policy: a framed packet is checked, an
 * unframed one is read as is, exactly as memberlist does.
 *
 * @internal
 */
import type { PacketMessage } from "../swim/messages.js"

/** Which packets to frame with a CRC (see the module comment). */
export type CrcPolicy = "withState" | "always" | "never"

/** Every policy, for configuration parsing. */
export const crcPolicies: ReadonlyArray<CrcPolicy> = ["withState", "always", "never"]

/** A message whose corruption can only look like loss: probing with nothing attached. */
const isBareProbe = (message: PacketMessage): boolean => {
  switch (message._tag) {
    case "Ping":
    case "IndirectPing":
    case "Nack":
      return true
    case "Ack":
      return message.payload.length === 0
    default:
      return false
  }
}

/** Whether a packet of `messages` carries the CRC frame. */
export const packetWantsCrc = (
  policy: CrcPolicy,
  peerReadsCrc: boolean,
  encrypted: boolean,
  messages: ReadonlyArray<PacketMessage>
): boolean => {
  if (!peerReadsCrc || encrypted) return false
  switch (policy) {
    case "always":
      return true
    case "never":
      return false
    case "withState":
      return !messages.every(isBareProbe)
  }
}
