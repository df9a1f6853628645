/**
 * Streams held open on purpose cannot stop a member's push/pull: a new
 * stream pushes out the oldest of its host (over 64) or of all (over 256).
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { InboundLimit } from "../../../src/internal/shell/inboundLimit.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as Transport from "../../../src/Transport.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

describe("InboundLimit", () => {
  it("a host over its share loses its own oldest stream; over the total, the oldest of all goes", () => {
    const limit = new InboundLimit<string>(4, 2)
    const a1 = limit.admit("a")
    limit.track(a1.id, "a1")
    const b1 = limit.admit("b")
    limit.track(b1.id, "b1")
    const a2 = limit.admit("a")
    limit.track(a2.id, "a2")
    expect([a1.evicted, b1.evicted, a2.evicted]).toEqual([undefined, undefined, undefined])
    // "a" has 2: its oldest (a1) goes, not b1 (older overall).
    const a3 = limit.admit("a")
    limit.track(a3.id, "a3")
    expect(a3.evicted).toBe("a1")
    const c1 = limit.admit("c")
    limit.track(c1.id, "c1")
    expect(limit.size).toBe(4)
    // Total of 4 reached: the oldest of all (b1) goes.
    const d1 = limit.admit("d")
    expect(d1.evicted).toBe("b1")
    expect(limit.size).toBe(4)
    // A release frees a place; releasing twice is harmless.
    limit.release(c1.id)
    limit.release(c1.id)
    expect(limit.size).toBe(3)
    expect(limit.admit("e").evicted).toBeUndefined()
  })
})

const attackers = 40
const perAttacker = 50

describe("a member under 2,000 held connections", () => {
  it.scoped(`2,000 connections held open (${attackers} hosts x ${perAttacker}) do not stop a join's push/pull`, () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make({ connectionQueueCapacity: 4096 })
      const [seed] = yield* cluster.startMany(1)
      const evictedBefore = yield* VirtualCluster.counted(Memberlist.metrics.inboundStreamsEvicted)
      // Hosts 127.0.1.x: each opens its connections and never writes a byte.
      const held: Array<Transport.Connection> = []
      for (let h = 0; h < attackers; h++) {
        const attacker = yield* cluster.network.make({ host: `127.0.1.${h + 1}`, port: 0 })
        for (let i = 0; i < perAttacker; i++) held.push(yield* attacker.connect(seed!.address, 60_000))
      }
      yield* VirtualCluster.advanceUntil(
        Effect.map(VirtualCluster.counted(Memberlist.metrics.inboundStreamsEvicted), (n) => n - evictedBefore >= 2000 - 256),
        Duration.seconds(1),
        "the oldest held streams are pushed out"
      )
      // Now an honest member joins through the seed, whose streams are all taken by the held ones.
      const late = yield* cluster.start({ name: "late", address: VirtualCluster.addressOf(1), seeds: [seed!.address] })
      const joined = yield* late.member.join([seed!.address])
      expect(joined).toBe(1)
      yield* VirtualCluster.advanceUntil(
        VirtualCluster.allSeeAlive([seed!, late], [seed!.name, "late"]),
        Duration.seconds(3),
        "the seed and the late member see each other"
      )
      // The seed serves at most 256 streams: the rest of the 2,000 were closed.
      const evicted = (yield* VirtualCluster.counted(Memberlist.metrics.inboundStreamsEvicted)) - evictedBefore
      expect(evicted).toBeGreaterThanOrEqual(2000 - 256)
      expect(held.length).toBe(2000)
    }))
})
