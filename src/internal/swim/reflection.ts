/**
 * Limits on what one received packet can make this node send elsewhere.
 * Without a key, a packet's ping may name any address to answer (its
 * `source`), and an indirect ping any target, so a forged compound of 255
 * pings would have us send 255 packets to a third party. A node sends at
 * most one ping in a packet (with its accusation) and a relay request or
 * two, so a packet's pings and indirect pings beyond `maxPingsPerPacket`
 * are dropped and counted. An ack addressed somewhere other than where the
 * ping came from goes bare, with no gossip piggybacked, so a small forged
 * ping cannot become a large packet to someone else.
 *
 * @internal
 */
import type { PacketMessage } from "./messages.js"
import type { Step } from "./state.js"

/** Pings and indirect pings answered per packet. */
export const maxPingsPerPacket = 4

const isPingLike = (m: PacketMessage): boolean => m._tag === "Ping" || m._tag === "IndirectPing"

/** The packet's messages with pings beyond the cap left out (and the drop reported). */
export const capPings = (step: Step, messages: ReadonlyArray<PacketMessage>): ReadonlyArray<PacketMessage> => {
  let pings = 0
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as PacketMessage
    if (m !== null && typeof m === "object" && isPingLike(m)) pings++
  }
  if (pings <= maxPingsPerPacket) return messages
  const kept: Array<PacketMessage> = []
  let seen = 0
  for (const m of messages) {
    if (m !== null && typeof m === "object" && isPingLike(m) && ++seen > maxPingsPerPacket) continue
    kept.push(m)
  }
  step.out.push({
    _tag: "Dropped",
    reason: "Rejected",
    detail: `${pings} pings in one packet: ${pings - maxPingsPerPacket} over ${maxPingsPerPacket} left unanswered`,
    count: pings - maxPingsPerPacket
  })
  return kept
}
