/**
 * The application's join and merge filters, decided in the core: a refused
 * node never becomes a member, causes no event and is not gossiped on; a
 * refused push/pull merges nothing (members nor application state) and
 * fails the join it belonged to.
 */
import { describe, expect, it } from "@effect/vitest"
import type { JoinCandidate, MergeCandidate } from "../../../src/internal/swim/config.js"
import * as Core from "../../../src/internal/swim/core.js"
import { formatAddress } from "../../../src/internal/swim/messages.js"
import { addressOf, alive, CoreDriver, NodeState, pushState } from "./driver.js"

const utf8 = new TextEncoder()
const text = new TextDecoder()
const clusterOf = (meta: Uint8Array) => text.decode(meta)

/** Admits only nodes whose metadata names cluster "blue". */
const blueOnly = (asked: Array<string>) => (c: JoinCandidate): string | undefined => {
  asked.push(c.name)
  return clusterOf(c.meta) === "blue" ? undefined : `cluster '${clusterOf(c.meta)}' is not ours`
}

const blue = utf8.encode("blue")
const red = utf8.encode("red")

describe("filterJoin", () => {
  it("a refused node from gossip is not a member, causes no event, is not gossiped on, and the refusal is reported", () => {
    const asked: Array<string> = []
    const d = new CoreDriver({ timings: { filterJoin: blueOnly(asked) } })
    d.addMember("friend", { meta: blue })
    const mark = d.mark()
    d.receive("friend", alive("intruder", 1, { meta: red }))
    expect(d.member("intruder")).toBeUndefined()
    expect(d.events(mark)).toEqual([])
    expect(d.membershipQueue().some((m) => "node" in m && m.node === "intruder")).toBe(false)
    expect(d.outputsOf("Dropped", mark)).toEqual([{
      _tag: "Dropped",
      reason: "JoinRefused",
      detail: `intruder (${formatAddress(addressOf("intruder"))}): cluster 'red' is not ours`
    }])
    // A suspicion or death about it changes nothing either: it is unknown.
    d.receive("friend", { _tag: "Suspect", incarnation: 1, node: "intruder", from: "friend" })
    expect(d.member("intruder")).toBeUndefined()
    expect(asked).toEqual(["friend", "intruder"])
  })

  it("a refused node in a push/pull is left out; the rest of the push/pull is merged", () => {
    const d = new CoreDriver({ timings: { filterJoin: blueOnly([]) } })
    const mark = d.mark()
    d.input({
      _tag: "PushPullRequest",
      from: addressOf("a"),
      join: true,
      states: [{ ...pushState("a", NodeState.Alive, 1), meta: blue }, { ...pushState("b", NodeState.Alive, 1), meta: red }],
      replyTo: 1
    })
    expect(Core.members(d.state).map((m) => m.name).sort()).toEqual(["a", "self"])
    expect(d.eventsOf("MemberJoined", mark).map((e) => e.member.name)).toEqual(["a"])
    expect(d.outputsOf("Dropped", mark).map((o) => o.reason)).toEqual(["JoinRefused"])
  })

  it("an admitted member's refused update is ignored; stale echoes of it are not even asked about", () => {
    const asked: Array<string> = []
    const d = new CoreDriver({ timings: { filterJoin: blueOnly(asked) } })
    d.addMember("a", { meta: blue })
    const mark = d.mark()
    d.receive("a", alive("a", 2, { meta: red }))
    expect(d.member("a")).toMatchObject({ incarnation: 1, meta: blue })
    expect(d.events(mark)).toEqual([])
    d.receive("a", alive("a", 1, { meta: blue }))
    expect(asked).toEqual(["a", "a"])
  })

  it("a filter that throws refuses, and the core goes on", () => {
    const d = new CoreDriver({
      timings: {
        filterJoin: () => {
          throw new Error("boom")
        }
      }
    })
    const out = d.receive("x", alive("x", 1))
    expect(d.member("x")).toBeUndefined()
    expect(out.filter((o) => o._tag === "Dropped")).toEqual([
      expect.objectContaining({ reason: "JoinRefused", detail: expect.stringContaining("filterJoin threw: Error: boom") })
    ])
  })

  it("is not asked about this node itself", () => {
    const asked: Array<string> = []
    const d = new CoreDriver({ timings: { filterJoin: blueOnly(asked) } })
    expect(d.member("self")?.state).toBe(NodeState.Alive)
    expect(asked).toEqual([])
  })

  it("is checked by invalidConfig", () => {
    const d = new CoreDriver()
    expect(Core.invalidConfig({ ...d.config, filterJoin: "no" as never })).toBe("filterJoin must be a function")
  })
})

describe("filterMerge", () => {
  const refuseJoins = (seen: Array<[ReadonlyArray<string>, boolean]>) => (peers: ReadonlyArray<MergeCandidate>, join: boolean) => {
    seen.push([peers.map((p) => p.name), join])
    return join ? "no merging at join" : undefined
  }

  it("a refused join merges nothing, releases no application state, and the seed counts as failed", () => {
    const seen: Array<[ReadonlyArray<string>, boolean]> = []
    const d = new CoreDriver({ timings: { filterMerge: refuseJoins(seen) } })
    const mark = d.mark()
    d.input({ _tag: "Join", seeds: [addressOf("q")] })
    const [start] = d.outputsOf("PushPullStart", mark)
    d.input({ _tag: "PushPullResponse", token: start!.token, states: [pushState("q", NodeState.Alive, 1)], userState: new Uint8Array([1]) })
    expect(d.member("q")).toBeUndefined()
    expect(d.outputsOf("MergeAppState", mark)).toEqual([])
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([{ _tag: "JoinCompleted", contacted: 0, failed: 1 }])
    expect(d.outputsOf("Dropped", mark)).toEqual([
      { _tag: "Dropped", reason: "MergeRefused", detail: "push/pull of 1 states: no merging at join" }
    ])
    expect(seen).toEqual([[["q"], true]])
  })

  it("sees every push/pull with its join flag: a periodic one it admits is merged", () => {
    const seen: Array<[ReadonlyArray<string>, boolean]> = []
    const d = new CoreDriver({ timings: { filterMerge: refuseJoins(seen) } })
    // A request that is a join is refused after our answer went out (as memberlist does).
    const refused = d.input({ _tag: "PushPullRequest", from: addressOf("q"), join: true, states: [pushState("q", NodeState.Alive, 1)], replyTo: 1 })
    expect(refused.map((o) => o._tag)).toEqual(["PushPullReply", "Dropped"])
    d.input({ _tag: "PushPullRequest", from: addressOf("q"), join: false, states: [pushState("q", NodeState.Alive, 1)], replyTo: 2, userState: new Uint8Array([5]) })
    expect(d.member("q")?.state).toBe(NodeState.Alive)
    expect(d.outputsOf("MergeAppState").map((o) => o.join)).toEqual([false])
    expect(seen).toEqual([[["q"], true], [["q"], false]])
  })
})
