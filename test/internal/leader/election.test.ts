/**
 * The election machine on its own: a few machines wired directly (no
 * SWIM), on virtual time, with the default timings (heartbeat 1 s,
 * election timeout 3–6 s).
 */
import { describe, expect, it } from "@effect/vitest"
import { defaultElectionConfig } from "../../../src/internal/leader/config.js"
import * as Election from "../../../src/internal/leader/election.js"
import type { ElectionInput, ElectionOutput } from "../../../src/internal/leader/io.js"
import { Machines } from "./machines.js"

const { electionTimeoutMax: max, electionTimeoutMin: min, heartbeatInterval } = defaultElectionConfig
const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`)

/** A started machine `self` seeing `view`, at time 0. */
const started = (self: string, view: ReadonlyArray<string>) => {
  const state = Election.make(self, defaultElectionConfig, 7)
  Election.step(state, { _tag: "ViewChanged", members: view }, 0)
  Election.step(state, { _tag: "Start" }, 0)
  return state
}
const sent = (outputs: ReadonlyArray<ElectionOutput>) => outputs.flatMap((o) => (o._tag === "Send" ? [o] : []))
const changes = (outputs: ReadonlyArray<ElectionOutput>) => outputs.flatMap((o) => (o._tag === "LeaderChanged" ? [o] : []))
const received = (from: string, message: Extract<ElectionInput, { _tag: "Received" }>["message"]): ElectionInput => ({
  _tag: "Received",
  from,
  message
})

describe("election machine", () => {
  it("a lone member elects itself, in term 1, within one election timeout", () => {
    const m = new Machines(["solo"])
    m.startAll()
    m.runUntil(max)
    expect(m.changes).toMatchObject([{ node: "solo", leader: "solo", term: 1 }])
    expect(m.changes[0]!.at).toBeGreaterThanOrEqual(min)
    expect(m.changes[0]!.at).toBeLessThan(max)
  })

  it("five members agree on one leader within two election timeouts, and keep it for a minute", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const m = new Machines(names(5), seed)
      m.startAll()
      expect(m.runUntilTrue(() => m.agreed() !== undefined, 2 * max)).toBeDefined()
      const leader = m.agreed()
      const term = m.state(leader!).term
      m.runUntil(m.now + 60_000)
      expect(m.agreed()).toBe(leader)
      expect(m.state(leader!).term).toBe(term)
      expect(m.doubles).toEqual([])
    }
  })

  it("a new leader, in a later term, within two election timeouts of the leader's crash", () => {
    const m = new Machines(names(5), 3)
    m.startAll()
    m.runUntilTrue(() => m.agreed() !== undefined, 2 * max)
    const old = m.agreed()!
    const oldTerm = m.state(old).term
    m.down.add(old)
    const crashedAt = m.now
    const at = m.runUntilTrue(() => m.agreed() !== undefined && m.agreed() !== old, 2 * max)
    expect(at).toBeDefined()
    expect(at! - crashedAt).toBeLessThanOrEqual(2 * max)
    expect(m.agreed()).not.toBe(old)
    expect(m.state(m.agreed()!).term).toBeGreaterThan(oldTerm)
  })

  it("a leader heartbeats every member it sees, every heartbeat interval", () => {
    const m = new Machines(names(3), 1)
    m.startAll()
    m.runUntilTrue(() => m.agreed() !== undefined, 2 * max)
    const leader = m.agreed()!
    const outputs = Election.step(m.state(leader), { _tag: "TimerFired", timer: { _tag: "HeartbeatTick", token: m.state(leader).heartbeatToken } }, m.now)
    expect(sent(outputs).map((s) => [s.to, s.message._tag]).sort()).toEqual(
      names(3).filter((n) => n !== leader).map((n) => [n, "Heartbeat"])
    )
    expect(outputs).toContainEqual({ _tag: "SetTimer", at: m.now + heartbeatInterval, timer: { _tag: "HeartbeatTick", token: m.state(leader).heartbeatToken } })
  })

  it("a leader refuses pre-votes and votes, and tells the asker it leads", () => {
    const m = new Machines(["solo"])
    m.startAll()
    m.runUntil(max)
    const leader = m.state("solo")
    for (const message of [{ _tag: "PreVote", term: 1, size: 2 }, { _tag: "Vote", term: 2, size: 2 }] as const) {
      const replies = sent(Election.step(leader, received("newcomer", message), m.now))
      expect(replies.map((r) => r.message)).toEqual([
        message._tag === "PreVote" ? { _tag: "PreVoteReply", term: 1, round: 1, granted: false } : { _tag: "VoteReply", term: 1, granted: false },
        { _tag: "Heartbeat", term: 1 }
      ])
    }
    expect(Election.leaderOf(leader)).toEqual({ leader: "solo", term: 1 })
  })

  it("one vote per term: a member that voted for a in term 1 refuses b in term 1", () => {
    const voter = started("v", ["v", "a", "b"])
    const first = sent(Election.step(voter, received("a", { _tag: "Vote", term: 1, size: 3 }), min))
    expect(first[0]?.message).toEqual({ _tag: "VoteReply", term: 1, granted: true })
    const second = sent(Election.step(voter, received("b", { _tag: "Vote", term: 1, size: 3 }), min + 1))
    expect(second[0]?.message).toEqual({ _tag: "VoteReply", term: 1, granted: false })
    // The same candidate asking again (its reply was lost) gets the same answer.
    const again = sent(Election.step(voter, received("a", { _tag: "Vote", term: 1, size: 3 }), min + 2))
    expect(again[0]?.message).toEqual({ _tag: "VoteReply", term: 1, granted: true })
  })

  it("votes only for a candidate it sees alive, and seeing no fewer members than itself", () => {
    const voter = started("v", ["v", "a", "b"])
    const unseen = sent(Election.step(voter, received("c", { _tag: "Vote", term: 1, size: 3 }), min))
    expect(unseen[0]?.message).toMatchObject({ granted: false })
    const smallView = sent(Election.step(voter, received("a", { _tag: "Vote", term: 1, size: 2 }), min))
    expect(smallView[0]?.message).toMatchObject({ granted: false })
    const preVote = sent(Election.step(started("w", ["w", "a", "b"]), received("c", { _tag: "PreVote", term: 0, size: 3 }), min))
    expect(preVote[0]?.message).toEqual({ _tag: "PreVoteReply", term: 0, round: 0, granted: false })
  })

  it("a member that hears a live leader refuses pre-votes and votes, and keeps its term", () => {
    const follower = started("f", ["f", "l", "x"])
    Election.step(follower, received("l", { _tag: "Heartbeat", term: 2 }), 1000)
    expect(Election.leaderOf(follower)).toEqual({ leader: "l", term: 2 })
    const pre = sent(Election.step(follower, received("x", { _tag: "PreVote", term: 2, size: 3 }), 1500))
    expect(pre[0]?.message).toEqual({ _tag: "PreVoteReply", term: 2, round: 2, granted: false })
    const vote = sent(Election.step(follower, received("x", { _tag: "Vote", term: 3, size: 3 }), 1600))
    expect(vote[0]?.message).toEqual({ _tag: "VoteReply", term: 2, granted: false })
    expect(follower.term).toBe(2)
    // Once the leader has been silent for the shortest timeout, the same requests are granted.
    const later = sent(Election.step(follower, received("x", { _tag: "PreVote", term: 2, size: 3 }), 1000 + min))
    expect(later[0]?.message).toMatchObject({ granted: true })
  })

  it("a member cut off from everyone keeps asking for pre-votes but never raises its term", () => {
    const m = new Machines(names(3), 2)
    m.cut = (from, to) => from === "m0" || to === "m0"
    m.startAll()
    m.runUntil(60_000)
    expect(m.state("m0").term).toBeLessThanOrEqual(m.state("m1").term)
    expect(m.leaderOf("m0")).toBeUndefined()
    // The other two agree on a leader that is not m0, which never won a term.
    expect(m.agreed(["m1", "m2"])).toBeDefined()
    expect(m.changes.some((c) => c.node === "m0" && c.leader === "m0")).toBe(false)
  })

  it("a leader steps down on a higher term, from a heartbeat or a stale answer", () => {
    for (const message of [{ _tag: "Heartbeat", term: 5 }, { _tag: "Stale", term: 5 }] as const) {
      const m = new Machines(["solo"])
      m.startAll()
      m.runUntil(max)
      expect(m.leaderOf("solo")).toBe("solo")
      const outputs = m.input("solo", received("other", message))
      expect(m.state("solo").term).toBe(5)
      expect(m.state("solo").role).toBe("follower")
      expect(changes(outputs)).toEqual([{ _tag: "LeaderChanged", leader: message._tag === "Heartbeat" ? "other" : undefined, term: 5 }])
    }
  })

  it("a heartbeat of an older term is answered with the newer one", () => {
    const state = started("f", ["f", "l"])
    Election.step(state, received("l", { _tag: "Heartbeat", term: 4 }), 100)
    const outputs = Election.step(state, received("old", { _tag: "Heartbeat", term: 3 }), 200)
    expect(sent(outputs)).toEqual([{ _tag: "Send", to: "old", message: { _tag: "Stale", term: 4 } }])
    expect(Election.leaderOf(state)).toEqual({ leader: "l", term: 4 })
  })

  it("a member outside its own view never stands", () => {
    const state = started("out", ["a", "b"])
    for (let t = 0; t <= 10 * max; t += 500) {
      const outputs = Election.step(state, { _tag: "TimerFired", timer: { _tag: "ElectionTimeout", token: state.electionToken } }, t)
      expect(sent(outputs)).toEqual([])
    }
    expect(state.term).toBe(0)
  })

  it("a follower whose leader leaves the view names none and stands before a full timeout", () => {
    const m = new Machines(names(3), 4)
    m.startAll()
    m.runUntilTrue(() => m.agreed() !== undefined, 2 * max)
    const leader = m.agreed()!
    const rest = names(3).filter((n) => n !== leader)
    m.down.add(leader)
    const leftAt = m.now
    for (const n of rest) {
      const outputs = m.input(n, { _tag: "ViewChanged", members: rest })
      expect(changes(outputs)).toEqual([{ _tag: "LeaderChanged", leader: undefined, term: m.state(n).term }])
      expect(m.state(n).electionAt - leftAt).toBeLessThan(max - min)
    }
    expect(m.runUntilTrue(() => m.agreed(rest) !== undefined, max)).toBeDefined()
  })

  it("a follower hearing a heartbeat a second asks for no timer: one election timer is in flight", () => {
    const state = started("f", ["f", "l"])
    for (let t = 100; t < 30_000; t += heartbeatInterval) {
      const outputs = Election.step(state, received("l", { _tag: "Heartbeat", term: 1 }), t)
      expect(outputs.filter((o) => o._tag === "SetTimer")).toEqual([])
    }
    // A stale election timer is ignored.
    const stale = Election.step(state, { _tag: "TimerFired", timer: { _tag: "ElectionTimeout", token: state.electionToken - 1 } }, 30_000 + max)
    expect(stale).toEqual([])
  })

  it("inputs before Start are ignored, except the view", () => {
    const state = Election.make("a", defaultElectionConfig, 1)
    expect(Election.step(state, received("b", { _tag: "Heartbeat", term: 3 }), 0)).toEqual([])
    expect(state.term).toBe(0)
  })

  it("never two leaders in one term, over 200 seeded runs of 7 members with 20% loss and random cuts", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const m = new Machines(names(7), seed)
      m.loss = 0.2
      m.startAll()
      let cutOff = new Set<string>()
      m.cut = (from, to) => cutOff.has(from) !== cutOff.has(to)
      for (let phase = 0; phase < 6; phase++) {
        m.runUntil(m.now + 10_000)
        // Cut a random minority off (or heal), as a partition would; the views stay as they were.
        cutOff = new Set(names(7).filter((_, i) => (seed * 31 + phase * 7 + i) % 5 === 0))
      }
      expect(m.doubles).toEqual([])
    }
  })
})
