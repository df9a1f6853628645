/**
 * Attack: forged accusations and alives at incarnation 2^32−1 (and far
 * ahead of the real one), sent without a key to every member of a
 * three-member cluster on the memory network, then a real 4 s cut of the
 * victim.
 *
 * Figure: the victim is never dead in any view during the attack, and after
 * the cut it is alive in every view within 10 s of virtual time (the
 * suspicion timeout of the local preset with three members is 3–18 s; before
 * the fix, one forged accusation at 2^32−1 kept a member dead 22–25 s).
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Ref, TestClock } from "effect"
import type { PacketMessage } from "../../src/internal/swim/messages.js"
import * as VirtualCluster from "../support/virtualCluster.js"
import { attackerAddress, sendForged, statesOf } from "./forge.js"

const top = 0xffffffff

describe("forged incarnations", () => {
  it.scoped("at 2^32-1 and far ahead: the victim is never failed, and a later real cut heals as on a fresh cluster", () =>
    Effect.gen(function*() {
      const { cluster, members } = yield* VirtualCluster.makeConverged(3)
      const victim = members[1]!
      const recorded = yield* Effect.forEach(members, VirtualCluster.recordEvents)
      const attacker = yield* cluster.network.make(attackerAddress)
      const forged = (i: number): ReadonlyArray<PacketMessage> => [
        { _tag: "Suspect", incarnation: top, node: victim.name, from: "node-0" },
        { _tag: "Dead", incarnation: top, node: victim.name, from: "node-2" },
        { _tag: "Dead", incarnation: 2 ** 20 + i, node: victim.name, from: "node-0" },
        { _tag: "Alive", incarnation: top, node: victim.name, address: victim.address, meta: new Uint8Array(0), versions: [1, 5, 2, 0, 0, 0] },
        { _tag: "Alive", incarnation: 2 ** 24 + i, node: victim.name, address: victim.address, meta: new Uint8Array(0), versions: [1, 5, 2, 0, 0, 0] }
      ]
      const targets = members.map((m) => m.address)
      // 10 s of attack: a burst every half second, checking every view as we go
      for (let i = 0; i < 20; i++) {
        yield* sendForged(attacker, targets, forged(i))
        yield* TestClock.adjust(Duration.millis(500))
        expect(yield* statesOf(members, victim.name)).not.toContain("dead")
      }
      for (const events of recorded) {
        expect(VirtualCluster.eventsAbout(yield* Ref.get(events), victim.name)).not.toContain("MemberFailed")
      }
      // claims about the victim sent to the victim itself move its own incarnation (it refutes above
      // them, as it must after a restart), but every view follows it: the refutation always wins
      yield* VirtualCluster.advanceUntil(
        Effect.map(statesOf(members, victim.name), (states) => states.every((s) => s === "alive")),
        Duration.seconds(5),
        "the victim alive in every view after the attack"
      )
      // a real 4 s cut of the victim, then heal: back alive everywhere as on a fresh cluster
      yield* cluster.network.disconnect(victim.address)
      yield* TestClock.adjust(Duration.seconds(4))
      yield* cluster.network.reconnect(victim.address)
      const healed = yield* VirtualCluster.advanceUntil(
        Effect.map(statesOf(members, victim.name), (states) => states.every((s) => s === "alive")),
        Duration.seconds(10),
        "the victim alive in every view after the cut"
      )
      expect(healed).toBeLessThanOrEqual(10_000)
    }))
})
