/**
 * The join deadline: a join gives up on seeds that have not answered after
 * `joinTimeout`; they count as failed. A stale deadline does nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import { lanTimings } from "../../../src/internal/swim/config.js"
import * as Core from "../../../src/internal/swim/core.js"
import { addressOf, CoreDriver, NodeState, pushState } from "./driver.js"

const joinThrough = (d: CoreDriver, seeds: ReadonlyArray<string>): Array<number> => {
  const mark = d.mark()
  d.input({ _tag: "Join", seeds: seeds.map(addressOf) })
  return d.outputsOf("PushPullStart", mark).map((s) => s.token)
}

describe("join deadline", () => {
  it("a join sets a JoinDeadline joinTimeout away", () => {
    const d = new CoreDriver({ timings: { joinTimeout: 5000 } })
    d.advanceTo(1234)
    const mark = d.mark()
    joinThrough(d, ["s1"])
    expect(d.timersSet("JoinDeadline", mark).map((t) => t.at)).toEqual([1234 + 5000])
  })

  it("at the deadline the seeds still outstanding count as failed and the join completes", () => {
    const d = new CoreDriver({ timings: { joinTimeout: 5000 } })
    const [s1, s2, s3] = joinThrough(d, ["s1", "s2", "s3"])
    d.advanceTo(1000)
    d.input({ _tag: "PushPullResponse", token: s1!, states: [pushState("s1", NodeState.Alive, 1)] })
    d.advanceTo(4999)
    expect(d.outputsOf("JoinCompleted")).toEqual([])
    d.advanceTo(5000)
    expect(d.outputsOf("JoinCompleted")).toEqual([{ _tag: "JoinCompleted", contacted: 1, failed: 2 }])
    expect(d.state.join).toBeUndefined()

    // a late answer is still merged, but settles nothing
    const mark = d.mark()
    d.input({ _tag: "PushPullResponse", token: s2!, states: [pushState("s2", NodeState.Alive, 1)] })
    d.input({ _tag: "PushPullFailed", token: s3!, reason: "timeout" })
    expect(d.eventsOf("MemberJoined", mark).map((e) => e.member.name)).toEqual(["s2"])
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([])
    expect(d.outputsOf("Dropped", mark)).toEqual([])
  })

  it("a join that extends a pending one keeps its deadline", () => {
    const d = new CoreDriver({ timings: { joinTimeout: 5000 } })
    joinThrough(d, ["s1"])
    d.advanceTo(3000)
    const mark = d.mark()
    joinThrough(d, ["s2"])
    expect(d.timersSet("JoinDeadline", mark)).toEqual([])
    d.advanceTo(5000)
    expect(d.outputsOf("JoinCompleted")).toEqual([{ _tag: "JoinCompleted", contacted: 0, failed: 2 }])
  })

  it("a join that completed in time leaves a stale deadline, which does nothing, even during a later join", () => {
    const d = new CoreDriver({ timings: { joinTimeout: 5000 } })
    const [first] = joinThrough(d, ["s1"])
    d.input({ _tag: "PushPullResponse", token: first!, states: [pushState("s1", NodeState.Alive, 1)] })
    expect(d.outputsOf("JoinCompleted")).toEqual([{ _tag: "JoinCompleted", contacted: 1, failed: 0 }])
    d.advanceTo(2000)
    joinThrough(d, ["s2"])
    // the first join's deadline passes while the second is pending
    const stale = d.pendingTimers("JoinDeadline")[0]!
    expect(stale.at).toBe(5000)
    const before = Core.snapshot(d.state)
    const out = d.input({ _tag: "TimerFired", timer: stale.timer })
    expect(out).toEqual([])
    expect(Core.snapshot(d.state)).toEqual(before)
    d.advanceTo(6999)
    expect(d.outputsOf("JoinCompleted").length).toBe(1)
    d.advanceTo(7000)
    expect(d.outputsOf("JoinCompleted").slice(1)).toEqual([{ _tag: "JoinCompleted", contacted: 0, failed: 1 }])
  })
})

describe("join and rediscovery config", () => {
  const config = { ...lanTimings, name: "n", address: addressOf("n"), meta: new Uint8Array(0), versions: [1, 5, 2, 0, 0, 0] as const }
  it("joinTimeout must be positive", () => {
    expect(Core.invalidConfig({ ...config, joinTimeout: 0 })).toBe("joinTimeout must be a positive number")
    expect(Core.invalidConfig({ ...config, joinTimeout: Number.NaN })).toBe("joinTimeout must be a positive number")
    expect(Core.invalidConfig({ ...config, joinTimeout: 1 })).toBeUndefined()
  })
  it("rediscoverInterval must not be negative (0 turns periodic rediscovery off)", () => {
    expect(Core.invalidConfig({ ...config, rediscoverInterval: -1 })).toBe("rediscoverInterval must not be negative")
    expect(Core.invalidConfig({ ...config, rediscoverInterval: Number.NaN })).toBe("rediscoverInterval must not be negative")
    expect(Core.invalidConfig({ ...config, rediscoverInterval: 0 })).toBeUndefined()
  })
})
