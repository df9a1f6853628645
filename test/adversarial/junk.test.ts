/**
 * Attack: junk datagrams and reflection, without a key.
 *
 * Figures: 20,000 packets of random bytes from one address in 2 s of virtual
 * time reach the decoder at most 2,000 times (a burst of 1,000, then 500/s);
 * the rest are dropped before decoding and counted. A compound of 127 pings
 * with a forged source makes a member send the third party at most 4 acks.
 * The cluster sees no suspicion throughout.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Ref, Stream, TestClock } from "effect"
import * as guardMetrics from "../../src/internal/shell/guardMetrics.js"
import type { Address, PacketMessage } from "../../src/internal/swim/messages.js"
import { maxPingsPerPacket } from "../../src/internal/swim/reflection.js"
import * as VirtualCluster from "../support/virtualCluster.js"
import { attackerAddress, sendForged } from "./forge.js"

describe("junk and reflection", () => {
  it.scoped("20,000 junk packets from one address: at most 2,000 reach the decoder, no suspicion", () =>
    Effect.gen(function*() {
      const { cluster, members } = yield* VirtualCluster.makeConverged(3)
      const recorded = yield* Effect.forEach(members, VirtualCluster.recordEvents)
      const attacker = yield* cluster.network.make(attackerAddress)
      const victim = members[0]!
      const limitedBefore = yield* VirtualCluster.counted(guardMetrics.packetsRateLimited)
      let seed = 1
      const junk = () => {
        const bytes = new Uint8Array(26)
        for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
        return bytes
      }
      for (let tick = 0; tick < 20; tick++) {
        for (let i = 0; i < 1000; i++) yield* Effect.ignore(attacker.sendPacket(victim.address, junk()))
        yield* TestClock.adjust(Duration.millis(100))
      }
      const limited = (yield* VirtualCluster.counted(guardMetrics.packetsRateLimited)) - limitedBefore
      expect(limited).toBeGreaterThanOrEqual(20_000 - 2_000)
      for (const events of recorded) {
        const all = yield* Ref.get(events)
        expect(all.filter((e) => e._tag === "MemberSuspected" || e._tag === "MemberFailed")).toEqual([])
      }
    }))

  it.scoped("a compound of 127 pings with a forged source: the third party gets at most 4 acks", () =>
    Effect.gen(function*() {
      const { cluster, members } = yield* VirtualCluster.makeConverged(3)
      const attacker = yield* cluster.network.make(attackerAddress)
      const thirdParty: Address = VirtualCluster.addressOf(201)
      const third = yield* cluster.network.make(thirdParty)
      const received = yield* Ref.make(0)
      yield* Effect.forkScoped(Stream.runForEach(third.packets, () => Ref.update(received, (n) => n + 1)))
      const pings: Array<PacketMessage> = Array.from({ length: 127 }, (_, i) => ({
        _tag: "Ping",
        seqNo: i,
        node: members[0]!.name,
        source: { address: thirdParty, node: "third" }
      }))
      yield* sendForged(attacker, [members[0]!.address], pings, 127)
      yield* TestClock.adjust(Duration.millis(500))
      const reflected = yield* Ref.get(received)
      expect(reflected).toBeGreaterThan(0) // the cap, not a lost packet, is what holds it down
      expect(reflected).toBeLessThanOrEqual(maxPingsPerPacket)
    }))
})
