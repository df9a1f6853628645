/**
 * Rediscovery: DiscoverTick → Discover while alone or periodically, at most
 * one outstanding; Discovered → a join through the addresses worth it.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Address } from "../../../src/internal/swim/messages.js"
import { addressOf, CoreDriver, dead, NodeState, suspect } from "./driver.js"

/** A started node with these members, at the moment its first DiscoverTick fires. */
const atFirstTick = (others: ReadonlyArray<string> = [], rediscoverInterval?: number) => {
  const d = new CoreDriver(rediscoverInterval === undefined ? {} : { timings: { rediscoverInterval } })
  d.addMembers(others)
  for (const n of others) d.responders.add(n)
  return d
}

/** Fires the next DiscoverTick (and everything due before it); returns the Discover reasons it produced. */
const tick = (d: CoreDriver): Array<string> => {
  const mark = d.mark()
  d.advanceToTimer("DiscoverTick")
  return d.outputsOf("Discover", mark).map((o) => o.reason)
}

const joinTargets = (d: CoreDriver, since: number): Array<Address> =>
  d.outputsOf("PushPullStart", since).filter((s) => s.join).map((s) => s.to)

describe("DiscoverTick", () => {
  it("Start schedules it within two probe intervals, then every two probe intervals", () => {
    const d = new CoreDriver()
    const [first] = d.timersSet("DiscoverTick")
    expect(first!.at).toBeGreaterThanOrEqual(0)
    expect(first!.at).toBeLessThan(2 * d.config.probeInterval)
    for (let i = 0; i < 3; i++) {
      const mark = d.mark()
      d.advanceToTimer("DiscoverTick")
      expect(d.timersSet("DiscoverTick", mark).map((t) => t.at - t.setAt)).toEqual([2000])
    }
  })

  it("asks discovery while alone, and not again while that question is unanswered", () => {
    const d = atFirstTick()
    expect(tick(d)).toEqual(["alone"])
    expect(tick(d)).toEqual([])
    expect(tick(d)).toEqual([])
    d.input({ _tag: "Discovered", addresses: [] })
    expect(tick(d)).toEqual(["alone"])
  })

  it("takes an unanswered Discover as lost after four ticks", () => {
    const d = atFirstTick()
    const reasons = Array.from({ length: 9 }, () => tick(d).join())
    expect(reasons).toEqual(["alone", "", "", "", "alone", "", "", "", "alone"])
  })

  it("a node whose only peers are dead or left is alone; a suspect peer is company", () => {
    const d = atFirstTick(["a", "b", "c"])
    // Silent peers: an ack from "a" would make the dead about it a mere suspicion (inTouch.ts).
    d.responders.clear()
    d.receive("x", dead("b", 1, "a"), dead("c", 1, "c"))
    expect(tick(d)).toEqual([])
    d.receive("x", dead("a", 1, "b"))
    expect(tick(d)).toEqual(["alone"])
    const s = atFirstTick(["a"])
    s.receive("a", suspect("a", 1, "x"))
    expect(s.member("a")?.state).toBe(NodeState.Suspect)
    expect(tick(s)).toEqual([])
  })

  it("with live peers, asks once every rediscoverInterval, counted from the start", () => {
    const d = new CoreDriver({ start: false, timings: { rediscoverInterval: 10_000 } })
    d.advanceTo(7000)
    d.input({ _tag: "Start" })
    d.addMember("a")
    d.responders.add("a")
    const asked: Array<number> = []
    for (let i = 0; i < 12; i++) {
      if (tick(d).length > 0) {
        asked.push(d.now)
        expect(d.outputsOf("Discover").at(-1)).toEqual({ _tag: "Discover", reason: "periodic" })
        d.input({ _tag: "Discovered", addresses: [addressOf("a")] })
      }
    }
    expect(asked.length).toBe(2)
    expect(asked[0]).toBeGreaterThanOrEqual(17_000)
    expect(asked[0]).toBeLessThan(19_000)
    expect(asked[1]! - asked[0]!).toBe(10_000)
  })

  it("with live peers and rediscoverInterval 0, never asks", () => {
    const d = atFirstTick(["a"], 0)
    for (let i = 0; i < 50; i++) expect(tick(d)).toEqual([])
  })

  it("does not ask while a join is pending (its seeds answer or time out first)", () => {
    const d = atFirstTick()
    d.input({ _tag: "Join", seeds: [addressOf("s1")] })
    const deadline = d.latestTimer("JoinDeadline").at
    while (d.latestTimer("DiscoverTick").at < deadline) expect(tick(d)).toEqual([])
    d.advanceTo(deadline)
    expect(d.outputsOf("JoinCompleted")).toEqual([{ _tag: "JoinCompleted", contacted: 0, failed: 1 }])
    expect(tick(d)).toEqual(["alone"])
  })

  it("does nothing once the node is leaving or has left, and restarts on rejoin", () => {
    const d = atFirstTick(["a"])
    d.input({ _tag: "Leave" })
    expect(d.state.status).toBe("leaving")
    const mark = d.mark()
    d.advanceBy(60_000)
    expect(d.state.status).toBe("left")
    expect(d.outputsOf("Discover", mark)).toEqual([])
    expect(d.timersSet("DiscoverTick", mark)).toEqual([])
    d.input({ _tag: "Join", seeds: [addressOf("a")] })
    expect(d.state.status).toBe("alive")
    expect(d.timersSet("DiscoverTick", mark).length).toBeGreaterThan(0)
  })
})

describe("Discovered", () => {
  it("while alone: joins through every address but our own and invalid ones, each once", () => {
    const d = atFirstTick(["gone"])
    d.receive("x", dead("gone", 1, "x"))
    const mark = d.mark()
    const bad = { host: "", port: 1 }
    d.input({ _tag: "Discovered", addresses: [addressOf("s1"), d.address, addressOf("gone"), bad, addressOf("s1"), addressOf("s2")] })
    // a member we hold dead may be back: while alone its address is worth trying
    expect(joinTargets(d, mark)).toEqual([addressOf("s1"), addressOf("gone"), addressOf("s2")])
    expect(d.outputsOf("Dropped", mark).map((o) => [o.reason, o.detail])).toEqual([["Malformed", "discovered address: bad host"]])
  })

  it("with live peers: joins only through addresses no known member has", () => {
    const d = atFirstTick(["a", "gone"])
    d.receive("a", dead("gone", 1, "a"))
    const mark = d.mark()
    d.input({ _tag: "Discovered", addresses: [addressOf("a"), addressOf("gone"), addressOf("new1"), d.address, addressOf("new2")] })
    expect(joinTargets(d, mark)).toEqual([addressOf("new1"), addressOf("new2")])
  })

  it("with nothing left to join through, does nothing at all (no JoinCompleted)", () => {
    const d = atFirstTick(["a"])
    const mark = d.mark()
    expect(d.input({ _tag: "Discovered", addresses: [addressOf("a"), d.address] })).toEqual([])
    const alone = atFirstTick()
    expect(alone.input({ _tag: "Discovered", addresses: [alone.address] })).toEqual([])
    expect(d.outputs(mark)).toEqual([])
  })

  it("the join it starts is the ordinary one: shared with a pending join, answered by one JoinCompleted", () => {
    const d = atFirstTick()
    d.input({ _tag: "Join", seeds: [addressOf("s1")] })
    const mark = d.mark()
    d.input({ _tag: "Discovered", addresses: [addressOf("s2")] })
    expect(d.timersSet("JoinDeadline", mark)).toEqual([])
    d.advanceToTimer("JoinDeadline")
    expect(d.outputsOf("JoinCompleted")).toEqual([{ _tag: "JoinCompleted", contacted: 0, failed: 2 }])
  })

  it("before start, while leaving and after leaving: Dropped NotRunning, no rejoin", () => {
    const idle = new CoreDriver({ start: false })
    expect(idle.input({ _tag: "Discovered", addresses: [addressOf("s1")] })).toEqual([
      { _tag: "Dropped", reason: "NotRunning", detail: "discovered addresses while idle" }
    ])
    const d = atFirstTick(["a"])
    d.input({ _tag: "Leave" })
    for (const status of ["leaving", "left"] as const) {
      if (status === "left") d.drainQueues()
      expect(d.state.status).toBe(status)
      expect(d.input({ _tag: "Discovered", addresses: [addressOf("s1")] })).toEqual([
        { _tag: "Dropped", reason: "NotRunning", detail: `discovered addresses while ${status}` }
      ])
    }
  })
})
