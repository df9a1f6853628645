/**
 * Attack: capturing encrypted packets between members and sending them
 * again at once, without the key.
 *
 * Figure: every one of 60 replayed captures decrypts and is dropped as a
 * replay (counted); the cluster sees no change.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Ref, TestClock } from "effect"
import * as guardMetrics from "../../src/internal/shell/guardMetrics.js"
import type * as Transport from "../../src/Transport.js"
import * as VirtualCluster from "../support/virtualCluster.js"
import { attackerAddress } from "./forge.js"

describe("replayed encrypted packets", () => {
  it.scoped("60 captures replayed to their destinations: all dropped as replays", () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const config = { secretKeys: [new Uint8Array(32).fill(3)], label: "prod" }
      const members = yield* Effect.forEach([0, 1, 2], (i) =>
        cluster.start({
          name: `node-${i}`,
          address: VirtualCluster.addressOf(i),
          config,
          ...(i === 0 ? {} : { seeds: [VirtualCluster.addressOf(0)] })
        }))
      yield* VirtualCluster.advanceUntil(
        VirtualCluster.allSeeAlive(members, members.map((m) => m.name)),
        Duration.seconds(5),
        "the keyed cluster forms"
      )
      const captured: Array<{ readonly to: Transport.Address; readonly bytes: Uint8Array }> = []
      yield* cluster.network.setFilter((p) => {
        if (captured.length < 60) captured.push({ to: p.to, bytes: p.bytes.slice() })
        return false
      })
      yield* VirtualCluster.advanceUntil(Effect.sync(() => captured.length >= 60), Duration.seconds(30), "60 captures")
      yield* cluster.network.setFilter(undefined)
      const recorded = yield* Effect.forEach(members, VirtualCluster.recordEvents)
      const attacker = yield* cluster.network.make(attackerAddress)
      const before = yield* VirtualCluster.counted(guardMetrics.packetsReplayed)
      for (const c of captured) yield* Effect.ignore(attacker.sendPacket(c.to, c.bytes))
      yield* TestClock.adjust(Duration.millis(100))
      expect((yield* VirtualCluster.counted(guardMetrics.packetsReplayed)) - before).toBe(60)
      for (const events of recorded) {
        expect((yield* Ref.get(events)).filter((e) => e._tag !== "MemberJoined")).toEqual([])
      }
    }))
})
