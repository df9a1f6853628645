/**
 * Who is believed about a member nobody here knows (trust.ts,
 * admission.ts): a name on someone else's word waits, bounded, until it
 * answers our ping by name; a member speaking for itself, or in the answer
 * to our own push/pull, is admitted at once.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Address } from "../../../src/internal/swim/messages.js"
import { candidateLifetime, maxCandidates, relayedPerSource, requestedPerSource } from "../../../src/internal/swim/trust.js"
import { ack, candidatePings, memberWithPeers } from "./candidates.js"
import { addressOf, alive, CoreDriver, NodeState, pushState } from "./driver.js"

const setup = () => memberWithPeers(11)

const candidatePing = (d: CoreDriver, name: string, since: number) => candidatePings(d, name, since)[0]

const unconfirmedCount = (d: CoreDriver, since = 0) =>
  d.outputsOf("Dropped", since).filter((o) => o.reason === "Unconfirmed").reduce((n, o) => n + (o.count ?? 1), 0)

describe("a name heard of on someone else's word", () => {
  it("is not a member until it answers our ping by name from its own address; then it joins", () => {
    const d = setup()
    const mark = d.mark()
    d.receive("relay", alive("n", 3))
    expect(d.member("n")).toBeUndefined()
    expect(d.eventsOf("MemberJoined", mark)).toEqual([])
    const ping = candidatePing(d, "n", mark)
    expect(ping).toBeDefined()
    // an ack from elsewhere (a guessed seqNo) admits nothing
    d.receive("relay", ack(ping!.message.seqNo))
    expect(d.member("n")).toBeUndefined()
    d.receive("n", ack(ping!.message.seqNo))
    expect(d.member("n")?.state).toBe(NodeState.Alive)
    expect(d.member("n")?.incarnation).toBe(3)
    expect(d.eventsOf("MemberJoined", mark).map((e) => e.member.name)).toEqual(["n"])
  })

  it("is forgotten when it does not answer within the candidate lifetime", () => {
    const d = setup()
    d.receive("relay", alive("ghost", 1))
    expect(d.state.admission.candidates.has("ghost")).toBe(true)
    d.advanceBy((candidateLifetime + 1) * d.config.probeInterval)
    expect(d.state.admission.candidates.has("ghost")).toBe(false)
    expect(d.member("ghost")).toBeUndefined()
  })

  it("is never made a probe target or a relay", () => {
    const d = setup()
    d.receive("relay", alive("ghost", 1))
    const mark = d.mark()
    for (let i = 0; i < 10; i++) d.advanceToTimer("ProbeTick")
    expect(d.state.probeOrder.map((m) => m.name)).not.toContain("ghost")
    expect(d.sent("IndirectPing", mark)).toEqual([])
  })
})

describe("admitted at once", () => {
  it("a member whose alive comes from its own address", () => {
    const d = setup()
    d.receive("n", alive("n", 1))
    expect(d.member("n")?.state).toBe(NodeState.Alive)
  })

  it("every member in the answer to our own push/pull (a join)", () => {
    const d = new CoreDriver({ seed: 1 })
    const out = d.input({ _tag: "Join", seeds: [addressOf("seed")] })
    const start = out.find((o) => o._tag === "PushPullStart")!
    if (start._tag !== "PushPullStart") throw new Error("no push/pull")
    const states = ["seed", ...Array.from({ length: 500 }, (_, i) => `m${i}`)].map((n) => pushState(n, NodeState.Alive, 1))
    d.input({ _tag: "PushPullResponse", token: start.token, states })
    expect(d.state.members.size).toBe(502)
  })
})

describe("a flood of forged members", () => {
  it("a push/pull request carrying 10,000 new names admits 64 a probe interval from its host; the rest wait or are dropped", () => {
    const d = setup()
    const from: Address = { host: "192.0.2.9", port: 40_000 }
    const states = Array.from({ length: 10_000 }, (_, n) => ({
      ...pushState(`fake-${n}`, NodeState.Alive, 1),
      address: { host: `172.16.${(n >> 8) & 255}`.concat(`.${n & 255}`), port: 7946 }
    }))
    d.input({ _tag: "PushPullRequest", from, join: false, states, replyTo: 1 })
    expect(d.state.members.size).toBe(4 + requestedPerSource)
    expect(d.state.admission.candidates.size).toBeLessThanOrEqual(maxCandidates)
    // a second request in the same interval admits nothing more
    d.input({ _tag: "PushPullRequest", from: { ...from, port: 40_001 }, join: false, states: states.map((x) => ({ ...x, name: `more-${x.name}` })), replyTo: 2 })
    expect(d.state.members.size).toBe(4 + requestedPerSource)
  })

  it("100,000 alives from one source over 10 probe intervals: no member added, at most 32 pings an interval, bounded work", () => {
    const d = setup()
    const mark = d.mark()
    const intervals = 10
    const perInterval = 10_000
    let steps = 0
    for (let t = 0; t < intervals; t++) {
      for (let p = 0; p < perInterval / 100; p++) {
        const messages = Array.from({ length: 100 }, (_, i) => {
          const n = t * perInterval + p * 100 + i
          const address: Address = { host: `172.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, port: 7946 }
          return alive(`fake-${n}`, 1, { address })
        })
        d.receive("relay", ...messages)
        steps++
        expect(d.state.admission.candidates.size).toBeLessThanOrEqual(maxCandidates)
      }
      d.advanceBy(d.config.probeInterval)
    }
    expect(steps).toBe(1000)
    expect(d.state.members.size).toBe(4)
    expect(d.eventsOf("MemberJoined", mark)).toEqual([])
    const candidatePings = d.sent("Ping", mark).filter((p) => p.message.node.startsWith("fake-"))
    expect(candidatePings.length).toBeLessThanOrEqual(relayedPerSource * intervals)
    // every forged claim is accounted for: a candidate pinged, or counted as turned away
    expect(candidatePings.length + unconfirmedCount(d, mark)).toBe(100_000)
    // the work: outputs per step stay a small constant, whatever the packet carried
    expect(d.outputs(mark).length).toBeLessThan(steps * 3 + intervals * 100)
    for (const n of ["a", "b", "relay"]) expect(d.member(n)?.state).toBe(NodeState.Alive)
  })
})
