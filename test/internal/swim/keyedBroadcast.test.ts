import { describe, expect, it } from "@effect/vitest"
import { decodeEnvelope, encodeEnvelope, makeSeenBroadcasts, markLatest } from "../../../src/internal/swim/userBroadcast.js"
import { CoreDriver } from "./driver.js"

const body = (n: number) => new Uint8Array([n])
const delivered = (d: CoreDriver, since: number) =>
  d.outputs(since).flatMap((o) => (o._tag === "UserMessage" ? [Array.from(o.payload)[0]] : []))
const gossiped = (d: CoreDriver, since: number) =>
  d.outputs(since).flatMap((o) =>
    o._tag === "SendPacket"
      ? o.messages.flatMap((m) => (m._tag === "User" ? [decodeEnvelope(m.payload)?.seq] : []))
      : [])

describe("keyed broadcast envelope", () => {
  it("carries its key; a plain envelope has none", () => {
    expect(decodeEnvelope(encodeEnvelope("a", 7, body(1), "cfg"))).toEqual({ origin: "a", seq: 7, key: "cfg", body: body(1) })
    expect(decodeEnvelope(encodeEnvelope("a", 7, body(1)))).toEqual({ origin: "a", seq: 7, key: undefined, body: body(1) })
    // A keyed envelope cut inside its key is not an envelope.
    const keyed = encodeEnvelope("a", 7, new Uint8Array(0), "cfg")
    expect(decodeEnvelope(keyed.subarray(0, keyed.length - 1))).toBeUndefined()
  })

  it("markLatest refuses what is older than the latest seen, per key", () => {
    const seen = makeSeenBroadcasts(2)
    expect(markLatest(seen, "a/k", 5)).toBe(true)
    expect(markLatest(seen, "a/k", 3)).toBe(false)
    expect(markLatest(seen, "a/j", 3)).toBe(true)
    expect(markLatest(seen, "a/k", 6)).toBe(true)
    // Bounded: a third key pushes out the least recently updated (a/j).
    expect(markLatest(seen, "b/k", 1)).toBe(true)
    expect(seen.latest.size).toBe(2)
    expect(seen.latest.has("a/j")).toBe(false)
  })
})

describe("a relay of keyed broadcasts", () => {
  it("delivers and gossips a newer value; an older one arriving later is neither delivered nor gossiped", () => {
    const d = new CoreDriver()
    d.addMembers(["origin", "peer-1", "peer-2"])
    let mark = d.mark()
    d.receive("origin", { _tag: "User", payload: encodeEnvelope("origin", 5, body(5), "k") })
    expect(delivered(d, mark)).toEqual([5])
    mark = d.mark()
    d.receive("origin", { _tag: "User", payload: encodeEnvelope("origin", 3, body(3), "k") })
    expect(delivered(d, mark)).toEqual([])
    d.drainQueues()
    expect(gossiped(d, mark)).not.toContain(3)
    expect(gossiped(d, mark)).toContain(5)
    // Another key from the same origin is independent.
    mark = d.mark()
    d.receive("origin", { _tag: "User", payload: encodeEnvelope("origin", 4, body(4), "other") })
    expect(delivered(d, mark)).toEqual([4])
  })

  it("a newer value replaces the older one still queued, so only the newer is gossiped from then on", () => {
    const d = new CoreDriver()
    d.addMembers(["origin", "peer-1", "peer-2"])
    d.receive("origin", { _tag: "User", payload: encodeEnvelope("origin", 1, body(1), "k") })
    d.receive("origin", { _tag: "User", payload: encodeEnvelope("origin", 2, body(2), "k") })
    const mark = d.mark()
    d.drainQueues()
    expect(gossiped(d, mark)).toContain(2)
    expect(gossiped(d, mark)).not.toContain(1)
  })
})
