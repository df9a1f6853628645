/**
 * A send that fails on this host is not evidence against the peer
 * (localFailure.ts): a probe whose ping the socket refused ends with no
 * suspicion, no indirect probes and no toll on local health.
 */
import { describe, expect, it } from "@effect/vitest"
import { CoreDriver, NodeState, probeUntil } from "./driver.js"

const setup = () => {
  const d = new CoreDriver({ seed: 9 })
  d.addMembers(["a", "b", "c"]) // none answers
  return d
}

describe("a probe whose ping could not leave this host", () => {
  it("raises no suspicion, asks no relays and costs no local health", () => {
    const d = setup()
    d.responders.add("b").add("c")
    const seqNo = probeUntil(d, "a")
    const health = d.state.awareness
    d.input({ _tag: "SendFailed", seqNo })
    const mark = d.mark()
    d.advanceToTimer("ProbeTick")
    expect(d.member("a")?.state).toBe(NodeState.Alive)
    expect(d.sent("IndirectPing", mark)).toEqual([])
    expect(d.state.awareness).toBe(health)
  })

  it("every probe failing locally: no one is ever suspected", () => {
    const d = setup()
    for (let i = 0; i < 30; i++) {
      const mark = d.mark()
      d.advanceToTimer("ProbeTick")
      for (const p of d.pings(mark)) d.input({ _tag: "SendFailed", seqNo: p.ping.seqNo })
    }
    for (const name of ["a", "b", "c"]) expect(d.member(name)?.state).toBe(NodeState.Alive)
    expect(d.eventsOf("MemberSuspected")).toEqual([])
  })

  it("the same probe without the failure report suspects its target (the control)", () => {
    const d = setup()
    probeUntil(d, "a")
    d.advanceToTimer("ProbeTick")
    expect(d.member("a")?.state).toBe(NodeState.Suspect)
  })

  it("a report about another seqNo (a relayed ping, an old probe) changes nothing", () => {
    const d = setup()
    const seqNo = probeUntil(d, "a")
    d.input({ _tag: "SendFailed", seqNo: seqNo + 1000 })
    d.advanceToTimer("ProbeTick")
    expect(d.member("a")?.state).toBe(NodeState.Suspect)
  })
})
