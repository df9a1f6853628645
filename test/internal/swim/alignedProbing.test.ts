/**
 * Aligned probing (probe.ts): every member keeps its probe order as one
 * ring, sorted by a hash of the names, and in probe interval `slot` probes
 * the member `1 + slot mod (n - 1)` places after itself, so across members
 * that share a view each member has exactly one prober per interval.
 */
import { describe, expect, it } from "@effect/vitest"
import { fnv1a } from "../../../src/internal/fnv1a.js"
import { CoreDriver, dead } from "./driver.js"

const names = (prefix: string, n: number): Array<string> => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** A member named `name` that knows every other of `all`, each of which acks. */
const memberOf = (name: string, all: ReadonlyArray<string>, seed: number): CoreDriver => {
  const d = new CoreDriver({ name, seed, timings: { alignedProbing: true } })
  const others = all.filter((n) => n !== name)
  d.addMembers(others)
  for (const n of others) d.responders.add(n)
  return d
}

describe("aligned probing", () => {
  it("orders the ring by the hash of the names, not by the names", () => {
    const all = names("web-", 12)
    const d = memberOf("web-0", all, 1)
    d.advanceToTimer("ProbeTick")
    const ring = d.state.probeOrder.map((m) => m.name)
    const byHash = [...all].sort((a, b) => fnv1a(a) - fnv1a(b))
    expect(ring).toEqual(byHash)
    expect(ring).not.toEqual([...all].sort())
  })

  it("probes one member per probe interval, and every other member in time", () => {
    const all = names("m", 9)
    const d = memberOf("m4", all, 2)
    const mark = d.mark()
    for (let i = 0; i < 60; i++) d.advanceToTimer("ProbeTick")
    const pings = d.pings(mark)
    expect(pings.length).toBe(60)
    for (let i = 1; i < pings.length; i++) expect(pings[i]!.at - pings[i - 1]!.at).toBe(d.config.probeInterval)
    expect([...new Set(pings.map((p) => p.toName))].sort()).toEqual(all.filter((n) => n !== "m4").sort())
  })

  it("while the cluster grows by a member an interval, does not probe the same member over and over", () => {
    const all = names("g", 40)
    const d = memberOf("g0", all.slice(0, 10), 6)
    const mark = d.mark()
    for (let i = 10; i < 40; i++) {
      d.addMember(all[i]!)
      d.responders.add(all[i]!)
      d.advanceToTimer("ProbeTick")
    }
    const targets = d.pings(mark).map((p) => p.toName)
    expect(new Set(targets).size).toBeGreaterThan(15)
  })

  it("across members sharing a view, each member has exactly one prober in every probe interval", () => {
    const all = names("n", 11)
    const members = all.map((name, i) => memberOf(name, all, 100 + i))
    const intervals = 2 * (all.length - 1)
    for (const d of members) for (let i = 0; i < intervals; i++) d.advanceToTimer("ProbeTick")
    const probedIn = new Map<number, Array<string>>()
    for (const d of members) {
      for (const p of d.pings(0)) {
        const slot = Math.floor(p.at / d.config.probeInterval)
        probedIn.set(slot, [...(probedIn.get(slot) ?? []), p.toName])
      }
    }
    expect(probedIn.size).toBe(intervals)
    for (const targets of probedIn.values()) expect([...targets].sort()).toEqual([...all].sort())
  })

  it("never probes a dead or left member: its turns go round the live members", () => {
    const all = ["a", "b", "c", "d", "gone", "quit", "self"]
    const d = memberOf("self", all, 3)
    d.receive("a", dead("gone", 1, "a"), dead("quit", 1, "quit"))
    const mark = d.mark()
    for (let i = 0; i < 18; i++) d.advanceToTimer("ProbeTick")
    const targets = d.pings(mark).map((p) => p.toName)
    expect(targets.length).toBe(18)
    expect(targets).not.toContain("gone")
    expect(targets).not.toContain("quit")
    for (const n of ["a", "b", "c", "d"]) expect(targets).toContain(n)
  })

  it("sorts a grown order again within a few probe intervals, not a whole round later", () => {
    const all = names("k", 30)
    const d = memberOf("k0", all, 4)
    d.advanceToTimer("ProbeTick")
    for (const n of names("late", 5)) {
      d.addMember(n)
      d.responders.add(n)
    }
    for (let i = 0; i < 5; i++) d.advanceToTimer("ProbeTick")
    const ring = d.state.probeOrder.map((m) => m.name)
    expect(ring.length).toBe(35)
    expect(ring).toEqual([...ring].sort((a, b) => fnv1a(a) - fnv1a(b)))
  })

  it("slowed by local health, a member still probes every other member, counting its own ticks", () => {
    // Four others and none answering: the score climbs and each tick skips slots (by multiples of n - 1 = 4
    // once the interval is four or eight times longer), which would pin a slot-following member to one target.
    const all = names("s", 5)
    const d = new CoreDriver({ name: "s0", seed: 5, timings: { suspicionMult: 1000, alignedProbing: true } })
    d.addMembers(all.filter((n) => n !== "s0"))
    const mark = d.mark()
    for (let i = 0; i < 24; i++) d.advanceToTimer("ProbeTick")
    expect(d.state.awareness).toBeGreaterThan(0)
    const late = d.pings(mark).slice(-8).map((p) => p.toName)
    for (const n of all.filter((n) => n !== "s0")) expect(late).toContain(n)
  })

  it("off (memberlist's shuffled round robin), the ring is not sorted", () => {
    const all = names("web-", 12)
    const d = new CoreDriver({ name: "web-0", seed: 1, timings: { alignedProbing: false } })
    d.addMembers(all.filter((n) => n !== "web-0"))
    d.advanceToTimer("ProbeTick")
    const ring = d.state.probeOrder.map((m) => m.name)
    expect(ring).not.toEqual([...ring].sort((a, b) => fnv1a(a) - fnv1a(b)))
  })
})
