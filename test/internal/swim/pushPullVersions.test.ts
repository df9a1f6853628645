/**
 * memberlist's verifyProtocol before a push/pull merge: remote states are
 * merged only when every member, theirs and ours, speaks a version all
 * alive members understand.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Core from "../../../src/internal/swim/core.js"
import type { PushNodeState, Versions } from "../../../src/internal/swim/messages.js"
import { addressOf, CoreDriver, NodeState, pushState } from "./driver.js"

const speaking = (pCur: number, pMax = 5): Versions => [1, pMax, pCur, 0, 0, 0]

/** q speaks protocol 5, which `old` (pMax 3) does not understand. */
const incompatibleStates: ReadonlyArray<PushNodeState> = [
  pushState("q", NodeState.Alive, 1, speaking(5)),
  pushState("old", NodeState.Alive, 1, speaking(2, 3))
]

const joinThrough = (d: CoreDriver, seeds: ReadonlyArray<string>): Array<number> => {
  const mark = d.mark()
  d.input({ _tag: "Join", seeds: seeds.map(addressOf) })
  return d.outputsOf("PushPullStart", mark).map((s) => s.token)
}

describe("verifyProtocol before merging a push/pull", () => {
  it("a request with incompatible members is answered with our states first, then Dropped, and nothing is merged", () => {
    const d = new CoreDriver()
    d.addMember("a")
    const before = Core.snapshot(d.state)
    const out = d.input({ _tag: "PushPullRequest", from: addressOf("q"), join: true, states: incompatibleStates, replyTo: 5 })
    expect(out.map((o) => o._tag)).toEqual(["PushPullReply", "Dropped"])
    expect(out[0]).toMatchObject({ _tag: "PushPullReply", replyTo: 5 })
    expect(out[1]).toEqual({
      _tag: "Dropped",
      reason: "IncompatibleVersions",
      detail: "member 'q' protocol version 5 is outside 1..3, the range every alive member understands"
    })
    expect(d.member("q")).toBeUndefined()
    expect(d.member("old")).toBeUndefined()
    expect(Core.snapshot(d.state)).toEqual(before)
  })

  it("our own members count: a remote speaking a version one of our members does not understand is refused", () => {
    const d = new CoreDriver()
    d.addMember("old", { versions: speaking(2, 3) })
    const mark = d.mark()
    d.input({ _tag: "PushPullRequest", from: addressOf("q"), join: false, states: [pushState("q", NodeState.Alive, 1, speaking(4))], replyTo: 1 })
    expect(d.outputsOf("Dropped", mark).map((o) => [o.reason, o.detail])).toEqual([
      ["IncompatibleVersions", expect.stringContaining("'q' protocol version 4 is outside 1..3")]
    ])
    expect(d.member("q")).toBeUndefined()
  })

  it("a compatible request with mixed versions is merged", () => {
    const d = new CoreDriver()
    d.addMember("old", { versions: speaking(2, 3) })
    const mark = d.mark()
    const states = [pushState("q", NodeState.Alive, 1, speaking(3, 4)), pushState("r", NodeState.Alive, 2, speaking(1, 5))]
    d.input({ _tag: "PushPullRequest", from: addressOf("q"), join: false, states, replyTo: 2 })
    expect(d.outputsOf("Dropped", mark)).toEqual([])
    expect(d.outputsOf("PushPullReply", mark).length).toBe(1)
    expect(d.eventsOf("MemberJoined", mark).map((e) => e.member.name)).toEqual(["q", "r"])
  })

  it("an incompatible answer to a join push/pull is not merged and that seed counts as failed", () => {
    const d = new CoreDriver()
    const [first, second] = joinThrough(d, ["s1", "s2"])
    let mark = d.mark()
    d.input({ _tag: "PushPullResponse", token: first!, states: [pushState("s1", NodeState.Alive, 1), ...incompatibleStates] })
    expect(d.outputsOf("Dropped", mark).map((o) => o.reason)).toEqual(["IncompatibleVersions"])
    expect(d.eventsOf("MemberJoined", mark)).toEqual([])
    expect(d.member("s1")).toBeUndefined()
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([])
    mark = d.mark()
    d.input({ _tag: "PushPullResponse", token: second!, states: [pushState("s2", NodeState.Alive, 1)] })
    expect(d.eventsOf("MemberJoined", mark).map((e) => e.member.name)).toEqual(["s2"])
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([{ _tag: "JoinCompleted", contacted: 1, failed: 1 }])
  })

  it("an incompatible answer to a periodic push/pull is Dropped and merges nothing", () => {
    const d = new CoreDriver()
    d.addMember("a")
    const mark = d.mark()
    d.fire("PushPullTick")
    const [start] = d.outputsOf("PushPullStart", mark)
    expect(start?.join).toBe(false)
    const before = Core.snapshot(d.state)
    const out = d.input({ _tag: "PushPullResponse", token: start!.token, states: incompatibleStates })
    expect(out.map((o) => o._tag === "Dropped" && o.reason)).toEqual(["IncompatibleVersions"])
    // only the finished push/pull is gone
    expect(d.state.pushPulls.size).toBe(0)
    expect({ ...(Core.snapshot(d.state) as object), pushPulls: [] }).toEqual({ ...(before as object), pushPulls: [] })
  })
})
