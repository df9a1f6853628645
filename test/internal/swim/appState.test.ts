/**
 * Application state in push/pull, seen from the core: received state is
 * released to the application (`MergeAppState`) only after the membership
 * it came with was merged, only when non-empty and within its bound, with
 * the exchange's join flag.
 */
import { describe, expect, it } from "@effect/vitest"
import type { PushNodeState } from "../../../src/internal/swim/messages.js"
import { addressOf, CoreDriver, NodeState, pushState } from "./driver.js"

const bytes = (...values: ReadonlyArray<number>) => new Uint8Array(values)
const states: ReadonlyArray<PushNodeState> = [pushState("q", NodeState.Alive, 1)]

const request = (d: CoreDriver, userState: Uint8Array | undefined, join = false, s = states) =>
  d.input({ _tag: "PushPullRequest", from: addressOf("q"), join, states: s, replyTo: 1, userState })

describe("application state in a push/pull request", () => {
  it("is released after the members it came with were merged, with the request's join flag", () => {
    const d = new CoreDriver()
    const out = request(d, bytes(1, 2, 3), true)
    const tags = out.map((o) => o._tag)
    // Our answer first, then the merge (q joins), then the application's state.
    expect(tags[0]).toBe("PushPullReply")
    const joined = out.findIndex((o) => o._tag === "Event" && o.event._tag === "MemberJoined")
    expect(joined).toBeGreaterThan(0)
    expect(tags.indexOf("MergeAppState")).toBeGreaterThan(joined)
    expect(d.outputsOf("MergeAppState")).toEqual([{ _tag: "MergeAppState", state: bytes(1, 2, 3), join: true }])
    expect(d.member("q")?.state).toBe(NodeState.Alive)
  })

  it("empty or absent state is not passed on (memberlist calls MergeRemoteState only with bytes)", () => {
    const d = new CoreDriver()
    request(d, new Uint8Array(0))
    request(d, undefined)
    expect(d.outputsOf("MergeAppState")).toEqual([])
  })

  it("state over maxAppStateSize is dropped and counted; the members are merged all the same", () => {
    const d = new CoreDriver({ timings: { maxAppStateSize: 4 } })
    request(d, bytes(1, 2, 3, 4))
    const mark = d.mark()
    request(d, bytes(1, 2, 3, 4, 5))
    expect(d.outputsOf("MergeAppState", mark)).toEqual([])
    expect(d.outputsOf("Dropped", mark)).toEqual([
      { _tag: "Dropped", reason: "AppStateTooLarge", detail: "application state of 5 bytes, over 4" }
    ])
    expect(d.outputsOf("MergeAppState").map((o) => o.state.length)).toEqual([4])
    expect(d.member("q")).toBeDefined()
  })

  it("state that came with members we cannot merge (incompatible versions) is not passed on", () => {
    const d = new CoreDriver()
    d.addMember("old", { versions: [1, 3, 2, 0, 1, 0] })
    request(d, bytes(9), false, [pushState("q", NodeState.Alive, 1, [1, 5, 5, 0, 1, 0])])
    expect(d.outputsOf("MergeAppState")).toEqual([])
    expect(d.outputsOf("Dropped").map((o) => o.reason)).toEqual(["IncompatibleVersions"])
  })
})

describe("application state in a push/pull answer", () => {
  it("is released with the join flag of the push/pull we started (join, then periodic)", () => {
    const d = new CoreDriver()
    let mark = d.mark()
    d.input({ _tag: "Join", seeds: [addressOf("q")] })
    const [start] = d.outputsOf("PushPullStart", mark)
    d.input({ _tag: "PushPullResponse", token: start!.token, states, userState: bytes(7) })
    expect(d.outputsOf("MergeAppState", mark)).toEqual([{ _tag: "MergeAppState", state: bytes(7), join: true }])
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([{ _tag: "JoinCompleted", contacted: 1, failed: 0 }])

    mark = d.mark()
    d.responders.add("q") // q stays alive, so the periodic push/pull picks it
    d.advanceBy(d.config.pushPullInterval)
    const periodic = d.outputsOf("PushPullStart", mark).find((o) => !o.join)
    expect(periodic).toBeDefined()
    d.input({ _tag: "PushPullResponse", token: periodic!.token, states, userState: bytes(8) })
    expect(d.outputsOf("MergeAppState", mark)).toEqual([{ _tag: "MergeAppState", state: bytes(8), join: false }])
  })

  it("an answer to an unknown push/pull releases nothing", () => {
    const d = new CoreDriver()
    d.input({ _tag: "PushPullResponse", token: 999, states, userState: bytes(1) })
    expect(d.outputsOf("MergeAppState")).toEqual([])
  })
})
