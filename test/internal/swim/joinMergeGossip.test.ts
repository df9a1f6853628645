/**
 * What a join's merge queues for gossip (pushPull.ts, membership.ts): the
 * newcomer takes its seed's view without re-gossiping it, since the cluster
 * already spreads those entries; memberlist re-gossips every one, and so did
 * we, which kept each newcomer's packets full of news for no one through the
 * whole join phase. The seed still queues the newcomer, a later push/pull
 * still queues what it learned, and so does a join of a member that knew
 * others before (two clusters merging).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Core from "../../../src/internal/swim/core.js"
import { addressOf, CoreDriver, NodeState, pushState } from "./driver.js"

const view = (size: number) => Array.from({ length: size }, (_, i) => pushState(`m${i}`, NodeState.Alive, 1))
const queued = (d: CoreDriver) => Core.queueDepths(d.state).membership

describe("gossip queued by a join's merge", () => {
  it("a newcomer merging its seed's view of 60 admits all 60 and queues none of them", () => {
    const d = new CoreDriver({ name: "joiner" })
    d.advanceTo(1000)
    const before = queued(d)
    d.input({ _tag: "Join", seeds: [addressOf("m0")] })
    const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
    d.input({ _tag: "PushPullResponse", token: token!, states: view(60) })
    expect(d.state.members.size).toBe(61)
    expect(queued(d)).toBe(before)
  })

  it("a member that knew others before its join (two clusters merging) queues what the seed taught it", () => {
    const d = new CoreDriver({ name: "bridge" })
    d.advanceTo(1000)
    d.addMember("local-1")
    const before = queued(d)
    d.input({ _tag: "Join", seeds: [addressOf("m0")] })
    const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
    d.input({ _tag: "PushPullResponse", token: token!, states: view(5) })
    expect(d.state.members.size).toBe(7)
    expect(queued(d)).toBe(before + 5)
  })

  it("the seed queues the newcomer it learned from the join's request", () => {
    const d = new CoreDriver({ name: "seed" })
    d.advanceTo(1000)
    const before = queued(d)
    d.input({
      _tag: "PushPullRequest",
      from: addressOf("newcomer"),
      join: true,
      replyTo: 1,
      states: [pushState("newcomer", NodeState.Alive, 1)]
    })
    expect(d.state.members.has("newcomer")).toBe(true)
    expect(queued(d)).toBe(before + 1)
  })

  it("a later push/pull's answer (the join's catch-up) queues the members it taught us", () => {
    const d = new CoreDriver({ name: "member", timings: { pushPullInterval: 30_000 } })
    d.advanceTo(1000)
    d.input({ _tag: "Join", seeds: [addressOf("m0")] })
    const [joinToken] = d.outputsOf("PushPullStart").map((s) => s.token)
    d.input({ _tag: "PushPullResponse", token: joinToken!, states: view(3) })
    const mark = d.mark()
    d.advanceTo(5_000)
    const periodic = d.outputsOf("PushPullStart", mark).filter((s) => !s.join)
    expect(periodic.length).toBeGreaterThan(0)
    const before = queued(d)
    d.input({ _tag: "PushPullResponse", token: periodic[0]!.token, states: [...view(3), pushState("late", NodeState.Alive, 1)] })
    expect(d.state.members.has("late")).toBe(true)
    expect(queued(d)).toBe(before + 1)
  })
})
