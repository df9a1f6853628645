/**
 * The one place a packet leaves the core: the `SendPacket` output with the
 * flags the shell frames and counts it by, so the shell decides nothing
 * about the protocol.
 *
 * @internal
 */
import type { Address, PacketMessage } from "./messages.js"
import { addressKey } from "./addressKey.js"
import type { Step } from "./state.js"
import { peerWantsCrc } from "./versions.js"

/** How a packet is flagged. */
export interface SendOptions {
  /** The packet carries a probe of `to` that this node started (the shell counts probes). */
  readonly probe?: boolean | undefined
}

/**
 * Whether packets to `to` carry a CRC: only when `to` is a member we know
 * (in any state) that understands protocol 5. An unknown address may be an
 * old node, and a CRC frame would be garbage to it.
 */
export const wantsCrc = (step: Step, to: Address): boolean => {
  const peer = step.state.byAddress.get(addressKey(to))
  return peer !== undefined && peerWantsCrc(peer.versions)
}

/** Sends `messages` to `to` in one packet. */
export const sendPacket = (
  step: Step,
  to: Address,
  messages: ReadonlyArray<PacketMessage>,
  options: SendOptions = {}
): void => {
  step.out.push({ _tag: "SendPacket", to, messages, crc: wantsCrc(step, to), probe: options.probe === true })
}
