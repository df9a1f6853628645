/**
 * The catch-up push/pull after a join: the periodic push/pull is brought
 * forward to when the gossip queued at our join has been sent its last
 * time, so a member missed by that gossip is learned within seconds instead
 * of at the next periodic push/pull (up to 30 s on a LAN).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Simulator from "../../../src/Simulator.js"
import { addressOf, CoreDriver, NodeState, pushState } from "./driver.js"

describe("catch-up push/pull after a join", () => {
  it("a join that reached a seed re-arms the push/pull to fire one catch-up delay later, then keeps its period", () => {
    const d = new CoreDriver({ timings: { gossipInterval: 200, pushPullInterval: 30_000, retransmitMult: 4 } })
    d.advanceTo(1000)
    d.input({ _tag: "Join", seeds: [addressOf("s1")] })
    const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
    const mark = d.mark()
    d.input({ _tag: "PushPullResponse", token: token!, states: [pushState("s1", NodeState.Alive, 1)] })
    const ticks = d.timersSet("PushPullTick", mark)
    expect(ticks.length).toBe(1)
    // two members: max(4 × ceil(log10 3), ceil(ln 200)) = 6 sends, one per 200 ms gossip round, plus < 200 ms of jitter
    expect(ticks[0]!.at).toBeGreaterThanOrEqual(1000 + 6 * 200)
    expect(ticks[0]!.at).toBeLessThan(1000 + 7 * 200)

    const before = d.mark()
    d.advanceTo(ticks[0]!.at)
    expect(d.outputsOf("PushPullStart", before).map((s) => s.to)).toEqual([addressOf("s1")])
    const next = d.timersSet("PushPullTick", before)
    expect(next.map((t) => t.at)).toEqual([ticks[0]!.at + 30_000])
  })

  it("a join that reached no one leaves the periodic push/pull alone", () => {
    const d = new CoreDriver({ timings: { pushPullInterval: 30_000, joinTimeout: 5000 } })
    d.input({ _tag: "Join", seeds: [addressOf("s1")] })
    const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
    const mark = d.mark()
    d.input({ _tag: "PushPullFailed", token: token!, reason: "timeout" })
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([{ _tag: "JoinCompleted", contacted: 0, failed: 1 }])
    expect(d.timersSet("PushPullTick", mark)).toEqual([])
  })
})

describe("join storm: 50 members join through one seed at once", () => {
  // Without the catch-up (seeds 1–20), the last member got its full view after up to 27.6 s (LAN) and
  // 58.7 s (WAN), when its first periodic push/pull came; a name learned from gossip must answer a ping
  // before it is admitted (trust.ts), so gossip alone seldom completes a newcomer's view. With it:
  // LAN 0.5–2.0 s, WAN 1.2–5.0 s, Local 0.3–1.0 s.
  const cases = [
    { preset: "lan" as const, bound: 2_500, seeds: [3, 11, 15, 20, 1, 2] },
    { preset: "wan" as const, bound: 5_500, seeds: [10, 11, 12, 19, 20] },
    { preset: "local" as const, bound: 1_500, seeds: [8, 12, 19, 1] }
  ]
  for (const { bound, preset, seeds } of cases) {
    it(`${preset}: the last member has the full view within ${bound / 1000} s on seeds ${seeds.join(", ")}`, () => {
      for (const seed of seeds) {
        const report = Simulator.runSync(Simulator.scenario({ nodes: 50, seed, preset, duration: 1000 }))
        expect(report.result.join.unconverged, `seed ${seed}`).toBe(0)
        expect(report.result.join.worstNode, `seed ${seed}`).toBeLessThanOrEqual(bound)
      }
    })
  }
})
