/**
 * The core's telemetry facts: what the shell builds the probe, suspicion
 * and join histograms and the probe spans from. Times are the core's own
 * `now`s, so they are exact here.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Observation } from "../../../src/internal/swim/observation.js"
import { addressOf, CoreDriver, dead, NodeState, probeUntil, pushState, suspect } from "./driver.js"

const observed = (d: CoreDriver, since = 0): Array<Observation> =>
  d.outputsOf("Observed", since).map((o) => o.observation)

const ofTag = <T extends Observation["_tag"]>(list: ReadonlyArray<Observation>, tag: T) =>
  list.filter((o): o is Extract<Observation, { _tag: T }> => o._tag === tag)

describe("observations", () => {
  it("an acked probe: started with its seqNo and target, ended acked with the time from ping to ack", () => {
    const d = new CoreDriver()
    d.addMember("t")
    const seqNo = probeUntil(d, "t")
    const pingedAt = d.now
    const mark = d.mark()
    d.advanceTo(pingedAt + 7)
    d.receive("t", { _tag: "Ack", seqNo, payload: new Uint8Array(0) })
    // a second ack of the same probe ends nothing more
    d.receive("t", { _tag: "Ack", seqNo, payload: new Uint8Array(0) })
    const started = ofTag(observed(d), "ProbeStarted").filter((o) => o.seqNo === seqNo)
    expect(started).toEqual([{ _tag: "ProbeStarted", seqNo, target: "t", address: addressOf("t") }])
    expect(ofTag(observed(d, mark), "ProbeEnded")).toEqual([
      { _tag: "ProbeEnded", seqNo, target: "t", acked: true, elapsed: 7, indirect: false }
    ])
  })

  it("an unanswered probe ends failed at the next tick, after the indirect round, a probe interval after its ping", () => {
    const d = new CoreDriver()
    d.addMembers(["t", "r"])
    d.responders.add("r")
    const seqNo = probeUntil(d, "t")
    const pingedAt = d.now
    const mark = d.mark()
    d.advanceToTimer("ProbeTick")
    const ended = ofTag(observed(d, mark), "ProbeEnded").filter((o) => o.seqNo === seqNo)
    expect(ended).toEqual([
      { _tag: "ProbeEnded", seqNo, target: "t", acked: false, elapsed: d.now - pingedAt, indirect: true }
    ])
    expect(d.now - pingedAt).toBe(d.config.probeInterval)
    // every probe started is ended, but for one still waiting for its ack
    const starts = ofTag(observed(d), "ProbeStarted").map((o) => o.seqNo)
    const ends = ofTag(observed(d), "ProbeEnded").map((o) => o.seqNo)
    const inFlight = d.state.probe
    expect(starts.filter((s) => !ends.includes(s))).toEqual(inFlight !== undefined && !inFlight.acked ? [inFlight.seqNo] : [])
  })

  it("a suspect declared dead: how long it was suspect here, whether its timeout or a Dead message ended it", () => {
    const d = new CoreDriver()
    d.addMembers(["a", "b", "c"])
    // our own probes of a and b get acks, so no accusation of ours moves b's deadline, whatever the probe order
    // (c stays silent: a Dead about a member we heard from lately is taken as a suspicion, inTouch.ts)
    for (const m of ["a", "b"]) d.responders.add(m)
    d.advanceTo(1000)
    d.receive("a", suspect("b", 1, "a"))
    d.advanceTo(1500)
    d.receive("a", suspect("c", 1, "a"))
    d.advanceTo(4000)
    d.receive("a", dead("c", 1, "a"))
    expect(ofTag(observed(d), "SuspectDied")).toEqual([{ _tag: "SuspectDied", node: "c", suspectedFor: 2500 }])
    const deadline = d.state.suspicions.get("b")!.deadline
    d.advanceTo(deadline)
    expect(d.member("b")?.state).toBe(NodeState.Dead)
    expect(ofTag(observed(d), "SuspectDied").map((o) => [o.node, o.suspectedFor])).toEqual([["c", 2500], ["b", deadline - 1000]])
  })

  it("a member dead without a suspicion here, and one that left, are not suspicions that died", () => {
    const d = new CoreDriver()
    d.addMembers(["a", "b", "c"])
    d.receive("a", dead("b", 1, "a"))
    d.receive("c", dead("c", 1, "c"))
    expect(d.member("b")?.state).toBe(NodeState.Dead)
    expect(d.member("c")?.state).toBe(NodeState.Left)
    expect(ofTag(observed(d), "SuspectDied")).toEqual([])
  })

  it("a join: JoinMerged once, at its first merged seed, timed from the join's start; a failed seed merges nothing", () => {
    const d = new CoreDriver()
    d.advanceTo(500)
    const mark = d.mark()
    d.input({ _tag: "Join", seeds: ["s1", "s2", "s3"].map(addressOf) })
    const [s1, s2, s3] = d.outputsOf("PushPullStart", mark).map((s) => s.token)
    d.advanceTo(520)
    d.input({ _tag: "PushPullFailed", token: s1!, reason: "refused" })
    expect(ofTag(observed(d), "JoinMerged")).toEqual([])
    d.advanceTo(580)
    d.input({ _tag: "PushPullResponse", token: s2!, states: [pushState("s2", NodeState.Alive, 1)] })
    d.advanceTo(590)
    d.input({ _tag: "PushPullResponse", token: s3!, states: [pushState("s3", NodeState.Alive, 1)] })
    expect(ofTag(observed(d), "JoinMerged")).toEqual([{ _tag: "JoinMerged", elapsed: 80 }])
    expect(d.outputsOf("JoinCompleted")).toEqual([{ _tag: "JoinCompleted", contacted: 2, failed: 1 }])
  })
})
