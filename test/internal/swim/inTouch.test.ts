/**
 * Another member's `dead` about a member we heard from within the min
 * suspicion timeout is applied as a suspicion: after a partition heals, the
 * deaths each half declared about the other no longer fail a healthy member
 * in its own half.
 */
import { describe, expect, it } from "@effect/vitest"
import { lanTimings } from "../../../src/internal/swim/config.js"
import { suspicionMinTimeout } from "../../../src/internal/swim/suspicion.js"
import { buildCluster, startJoinStorm } from "../../../src/internal/simulation/setup.js"
import { makeScenario } from "../../../src/internal/simulation/scenario.js"
import { ViewTracker } from "../../../src/internal/simulation/tracker.js"
import { alive, CoreDriver, dead, NodeState } from "./driver.js"

/** Three members and us: min timeout = 4 × max(1, log10 4) × 1 s. */
const window = suspicionMinTimeout(lanTimings.suspicionMult, 4, lanTimings.probeInterval)

const withPeers = () => {
  const d = new CoreDriver()
  d.addMembers(["x", "y", "z"])
  for (const n of ["x", "y", "z"]) d.responders.add(n)
  return d
}

describe("a dead about a member we are in touch with", () => {
  it("is a suspicion by the accuser when we heard from the member within the min suspicion timeout", () => {
    const d = withPeers()
    d.advanceTo(1000)
    d.receive("x", alive("z", 1)) // any well-formed packet from x's own address
    d.advanceTo(1000 + window - 1)
    const mark = d.mark()
    d.receive("y", dead("x", 1, "y"))
    expect(d.member("x")?.state).toBe(NodeState.Suspect)
    expect(d.eventsOf("MemberFailed", mark)).toEqual([])
    expect(d.eventsOf("MemberSuspected", mark).map((e) => [e.member.name, e.from])).toEqual([["x", "y"]])
    expect(d.outputsOf("Dropped", mark).map((o) => o.reason)).toEqual(["InTouch"])
  })

  it("is a death once the member has been silent for the min suspicion timeout", () => {
    const d = withPeers()
    d.advanceTo(1000)
    d.receive("x", alive("z", 1))
    d.responders.delete("x")
    d.advanceTo(1000 + window)
    const mark = d.mark()
    d.receive("y", dead("x", 1, "y"))
    expect(d.member("x")?.state).toBe(NodeState.Dead)
    expect(d.eventsOf("MemberFailed", mark).map((e) => e.member.name)).toEqual(["x"])
  })

  it("a member's own leave is a leave however lately we heard from it", () => {
    const d = withPeers()
    d.receive("x", alive("z", 1))
    d.receive("x", dead("x", 1, "x"))
    expect(d.member("x")?.state).toBe(NodeState.Left)
  })

  it("the suspicion it became still ends in a death if the member does not refute", () => {
    const d = withPeers()
    d.receive("x", alive("z", 1))
    d.responders.delete("x")
    d.receive("y", dead("x", 1, "y"))
    expect(d.member("x")?.state).toBe(NodeState.Suspect)
    const mark = d.mark()
    d.advanceTo(60_000)
    expect(d.eventsOf("MemberFailed", mark).map((e) => [e.member.name, e.from])).toEqual([["x", "self"]])
  })
})

describe("a 3/3 partition healed the moment both halves have declared the other dead (6 members, Local preset)", () => {
  // Before the rule, 48 members were marked failed by their own half in these 30 runs (0–38 ms after the heal).
  it("no member is ever marked failed by a member of its own half, and every view is full again within 5 probe intervals", () => {
    const halves = [["node-0", "node-1", "node-2"], ["node-3", "node-4", "node-5"]]
    const all = halves.flat()
    const side = (name: string) => (halves[0]!.includes(name) ? 0 : 1)
    const wrong: Array<string> = []
    for (let seed = 1; seed <= 30; seed++) {
      const cluster = buildCluster(makeScenario({ nodes: 6, seed, preset: "local" }), new ViewTracker(6))
      cluster.recordEvents = true
      startJoinStorm(cluster, 6)
      cluster.runUntil(5000)
      const cutAt = cluster.now
      cluster.partition(halves)
      const downOrForgotten = (o: string, s: string) => {
        const st = cluster.view(o).get(s)
        return st === undefined || st === NodeState.Dead || st === NodeState.Left
      }
      const split = () => all.every((o) => all.every((s) => side(s) === side(o) || downOrForgotten(o, s)))
      expect(cluster.runUntilTrue(split, 60_000, 10), `seed ${seed}: each half declares the other dead`).toBeDefined()
      cluster.heal()
      const full = () => all.every((o) => all.every((s) => cluster.view(o).get(s) === NodeState.Alive))
      // Local preset: probe interval 1 s.
      expect(cluster.runUntilTrue(full, 5_000, 10), `seed ${seed}: full view back`).toBeDefined()
      cluster.runFor(3_000)
      for (const e of cluster.events) {
        if (e.at <= cutAt || e.event._tag !== "MemberFailed") continue
        if (side(e.node) === side(e.event.member.name)) wrong.push(`seed ${seed}: ${e.node} failed ${e.event.member.name}`)
      }
    }
    expect(wrong).toEqual([])
  })
})
