/**
 * Attack: 100,000 forged members, sent without a key as compound alive
 * packets (100 per packet) to every member of a three-member cluster on the
 * memory network, over 5 s of virtual time.
 *
 * Figures: every view keeps exactly the 3 real members, all alive; the
 * members send at most 32 pings per probe interval each to forged names
 * (the relayed budget of one source), so at most 3 × 32 × 8 over the run.
 * Before: 49.5k of 100k fakes kept, 12 s at 100% CPU, the victim declared dead.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Ref, TestClock } from "effect"
import type { PacketMessage } from "../../src/internal/swim/messages.js"
import { relayedPerSource } from "../../src/internal/swim/trust.js"
import * as VirtualCluster from "../support/virtualCluster.js"
import { attackerAddress, sendForged } from "./forge.js"

const forgedAlive = (n: number): PacketMessage => ({
  _tag: "Alive",
  incarnation: 1,
  node: `fake-${n}`,
  address: { host: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, port: 7946 },
  meta: new Uint8Array(0),
  versions: [1, 5, 2, 0, 0, 0]
})

describe("a flood of forged members", () => {
  it.scoped("100,000 forged alives: the member tables hold the 3 real members, all alive, and the pings to fakes stay within budget", () =>
    Effect.gen(function*() {
      const { cluster, members } = yield* VirtualCluster.makeConverged(3)
      const recorded = yield* Effect.forEach(members, VirtualCluster.recordEvents)
      const attacker = yield* cluster.network.make(attackerAddress)
      const targets = members.map((m) => m.address)
      const before = yield* cluster.network.stats
      const total = 100_000
      const perTick = 20_000 // 200 packets per member per 100 ms: within the network's receive queue
      let forgedSoFar = 0
      let ticks = 0
      while (forgedSoFar < total) {
        const batch = Array.from({ length: perTick }, (_, i) => forgedAlive(forgedSoFar + i))
        yield* sendForged(attacker, targets, batch, 100)
        forgedSoFar += perTick
        yield* TestClock.adjust(Duration.millis(100))
        ticks++
        for (const m of members) expect((yield* m.member.members).length).toBe(3)
      }
      // five more seconds: the candidates expire unanswered, nothing else changes
      for (let i = 0; i < 50; i++) {
        yield* TestClock.adjust(Duration.millis(100))
        ticks++
      }
      for (const m of members) {
        const view = yield* m.member.members
        expect(view.map((x) => x.name).sort()).toEqual(members.map((x) => x.name).sort())
        expect(view.every((x) => x.state === "alive")).toBe(true)
      }
      for (const events of recorded) {
        const all = yield* Ref.get(events)
        expect(all.filter((e) => "member" in e && e.member.name.startsWith("fake-"))).toEqual([])
        expect(all.filter((e) => e._tag === "MemberSuspected" || e._tag === "MemberFailed")).toEqual([])
      }
      // packets the members sent into the void: the pings of forged names (nobody is at their addresses)
      const after = yield* cluster.network.stats
      const intervals = Math.ceil((ticks * 100) / Duration.toMillis(members[0]!.config.probeInterval)) + 1
      expect(after.lost - before.lost).toBeLessThanOrEqual(members.length * relayedPerSource * intervals)
    }))
})
