import { describe, expect, it } from "@effect/vitest"
import { Metric } from "effect"
import { readiness, type ReadinessInput } from "../../../src/internal/http/health.js"
import { metaView } from "../../../src/internal/http/model.js"
import { Ring } from "../../../src/internal/http/ring.js"
import { makeSampler, readTotals } from "../../../src/internal/http/sampler.js"

describe("readiness", () => {
  const base: ReadinessInput = {
    status: "alive",
    alive: 3,
    minMembers: 1,
    notReadyWhileSuspected: false,
    refutedAt: undefined,
    maxSuspicionTimeout: 6_000,
    now: 100_000
  }
  it("is ready when alive with enough members, counting them", () => {
    expect(readiness(base)).toEqual({ ready: true, members: 3 })
    expect(readiness({ ...base, minMembers: 3 })).toEqual({ ready: true, members: 3 })
  })
  it("is not ready, with the reason, below minMembers or while leaving", () => {
    expect(readiness({ ...base, minMembers: 4 })).toEqual({ ready: false, members: 3, reason: "3 of the 4 members required are alive" })
    expect(readiness({ ...base, status: "leaving" })).toEqual({ ready: false, members: 3, reason: "this member is leaving" })
  })
  it("with notReadyWhileSuspected, is not ready for one max suspicion timeout after a refutation", () => {
    const refuted = { ...base, notReadyWhileSuspected: true, refutedAt: 97_000 }
    const during = readiness(refuted)
    expect(during.ready).toBe(false)
    expect(!during.ready && during.reason).toBe("this member refuted a suspicion of itself 3000 ms ago; others may suspect it for 3 s more")
    expect(readiness({ ...refuted, now: 103_000 })).toEqual({ ready: true, members: 3 })
    // Without the option, a refutation does not matter.
    expect(readiness({ ...refuted, notReadyWhileSuspected: false })).toEqual({ ready: true, members: 3 })
  })
})

describe("metadata as the view shows it", () => {
  const bytes = (...b: Array<number>) => new Uint8Array(b)
  it("printable UTF-8 as text (with hex), anything else as hex only", () => {
    expect(metaView(new TextEncoder().encode("zone=eu-west-1a ✓"))).toMatchObject({ text: "zone=eu-west-1a ✓", bytes: 19 })
    expect(metaView(bytes(0x68, 0x69))).toEqual({ text: "hi", hex: "6869", bytes: 2 })
    expect(metaView(bytes(0x81, 0xa1, 0x7a))).toEqual({ text: null, hex: "81a17a", bytes: 3 })
    expect(metaView(bytes(0x61, 0x00, 0x62))).toEqual({ text: null, hex: "610062", bytes: 3 })
    expect(metaView(bytes())).toEqual({ text: null, hex: "", bytes: 0 })
  })
})

describe("Ring", () => {
  it("keeps the newest `capacity` items, oldest first", () => {
    const ring = new Ring<number>(3)
    expect(ring.toArray()).toEqual([])
    expect(ring.last()).toBeUndefined()
    for (let i = 1; i <= 7; i++) ring.push(i)
    expect(ring.toArray()).toEqual([5, 6, 7])
    expect(ring.size).toBe(3)
    expect(ring.last()).toBe(7)
    expect(() => new Ring(0)).toThrow(RangeError)
  })
})

describe("sampler", () => {
  it("reads only this member's series when series carry a member label; rates per second", () => {
    const packetsIn = Metric.counter("memberlist_packets_in")
    const mine = packetsIn.pipe(Metric.tagged("member", "sampler-a"))
    const theirs = packetsIn.pipe(Metric.tagged("member", "sampler-b"))
    mine.unsafeUpdate(10, [])
    theirs.unsafeUpdate(1000, [])
    const sample = makeSampler("sampler-a")
    const first = sample(Metric.unsafeSnapshot(), 0, { health: 0, alive: 2 })
    expect(first).toMatchObject({ at: 0, packetsIn: 0, health: 0, alive: 2 })
    mine.unsafeUpdate(30, [])
    theirs.unsafeUpdate(5000, [])
    const second = sample(Metric.unsafeSnapshot(), 2_000, { health: 1, alive: 2 })
    expect(second.packetsIn).toBe(15)
    expect(second.health).toBe(1)
  })
  it("counts unlabelled series for every member", () => {
    Metric.gauge("memberlist_queue_user").unsafeUpdate(4, [])
    const pairs = Metric.unsafeSnapshot().filter((p) => p.metricKey.name === "memberlist_queue_user")
    expect(pairs.length).toBe(1)
    expect(pairs.every((p) => p.metricKey.tags.length === 0)).toBe(true)
    expect(readTotals(Metric.unsafeSnapshot(), "anyone").userQueue).toBe(4)
  })
})
