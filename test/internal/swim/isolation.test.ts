import { describe, expect, it } from "@effect/vitest"
import { alive, CoreDriver } from "./driver.js"

/** A node that knows a, b and c at time 0 and then hears nothing: every probe goes unanswered. */
const cutOff = () => {
  const d = new CoreDriver()
  d.addMembers(["a", "b", "c"])
  return d
}

const failed = (d: CoreDriver, since = 0) => d.eventsOf("MemberFailed", since).map((e) => e.member.name).sort()
const deadSent = (d: CoreDriver, since = 0) =>
  d.sentPackets(since).flatMap((p) => p.messages.filter((m) => m._tag === "Dead").map((m) => (m as { node: string }).node))

describe("a node cut off from the cluster is not a witness", () => {
  it("while it hears from no one, its expired suspicions make members dead in its own view only: no Dead is gossiped", () => {
    const d = cutOff()
    d.advanceTo(60_000)
    expect(failed(d)).toEqual(["a", "b", "c"])
    d.drainQueues()
    expect(deadSent(d)).toEqual([])
  })

  it("a suspicion formed while cut off is started over when it expires after the node hears again: no failure, the suspect is pinged", () => {
    const d = cutOff()
    for (let t = 0; d.eventsOf("MemberSuspected").length < 3 && t < 30_000; t += 100) d.advanceTo(t)
    expect(d.eventsOf("MemberSuspected").map((e) => e.member.name).sort()).toEqual(["a", "b", "c"])
    // Quiet for longer than the isolation gap (3 probe intervals), still before any verdict.
    d.advanceTo(Math.max(d.now, 3_500))
    expect(failed(d)).toEqual([])
    // Back in touch: b refutes, and from now on b's traffic arrives every interval, as in a cluster.
    d.receive("b", alive("b", 2))
    d.responders.add("b")
    const mark = d.mark()
    const hearFromB = (until: number) => {
      for (let t = d.now + 1_000; t <= until; t += 1_000) {
        d.advanceTo(t)
        d.receive("b", alive("b", 2))
      }
    }
    // a's suspicion, formed while cut off, expires: it is looked at again, not declared.
    const aExpires = d.eventsOf("MemberSuspected").find((e) => e.member.name === "a")!
    expect(aExpires).toBeDefined()
    hearFromB(27_000)
    expect(failed(d, mark)).toEqual([])
    expect(d.pings(mark).some((p) => p.toName === "a")).toBe(true)
    // a answers the accusation its pings carried: alive again, never failed.
    d.receive("a", alive("a", 2))
    d.responders.add("a")
    expect(d.member("a")?.state).toBe(0)
    // c stays silent: the fresh suspicion, formed in touch, ends in a verdict that is gossiped.
    hearFromB(90_000)
    expect(failed(d, mark)).toEqual(["c"])
    d.drainQueues()
    expect(deadSent(d, mark)).toContain("c")
  })

  it("a node that hears from the others declares and gossips as before", () => {
    const d = cutOff()
    d.responders.add("b")
    d.responders.add("c")
    // b's and c's own traffic (their probes of this node) arrives every interval.
    for (let t = 1_000; t <= 60_000; t += 1_000) {
      d.advanceTo(t)
      d.receive("b", alive("b", 1))
    }
    expect(failed(d)).toEqual(["a"])
    d.drainQueues()
    expect(deadSent(d)).toContain("a")
  })
})
