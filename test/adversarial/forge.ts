/**
 * What an attacker on the same network does in these tests: it holds a
 * transport of its own on the memory network and sends packets it encoded
 * itself, with no key.
 */
import { Effect } from "effect"
import type { PacketMessage } from "../../src/internal/swim/messages.js"
import { encodePacket } from "../../src/internal/wire/packet.js"
import type * as Transport from "../../src/Transport.js"
import * as VirtualCluster from "../support/virtualCluster.js"

/** Where the attacker sits: a host no member uses. */
export const attackerAddress = VirtualCluster.addressOf(200)

/** Sends `messages` to each target, in compounds of at most `perPacket`. */
export const sendForged = (
  attacker: Transport.TransportShape,
  targets: ReadonlyArray<Transport.Address>,
  messages: ReadonlyArray<PacketMessage>,
  perPacket = 100
): Effect.Effect<number> =>
  Effect.gen(function*() {
    let packets = 0
    for (let i = 0; i < messages.length; i += perPacket) {
      const bytes = encodePacket(messages.slice(i, i + perPacket))
      for (const to of targets) {
        yield* Effect.ignore(attacker.sendPacket(to, bytes))
        packets++
      }
    }
    return packets
  })

/** The state of `name` in each member's view ("absent" when unknown). */
export const statesOf = (members: ReadonlyArray<VirtualCluster.VirtualMember>, name: string) =>
  Effect.forEach(members, (m) =>
    Effect.map(m.member.members, (view) => view.find((x) => x.name === name)?.state ?? "absent"))
