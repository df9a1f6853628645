/**
 * Verification of suspicions (our addition to SWIM, docs/protocol.md
 * "Where we depart from memberlist"): every suspect we hold gets a bare ping
 * carrying the accusation, besides the round robin and never instead of it,
 * and a suspect answers a ping after the rest of its packet, so the ack
 * carries its refutation.
 */
import { describe, expect, it } from "@effect/vitest"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"
import { verificationSpacing } from "../../../src/internal/swim/suspicion.js"
import { addressOf, alive, CoreDriver, NodeState, probeUntil, type SentPacket, suspect } from "./driver.js"

const names = (prefix: string, n: number): Array<string> => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

const ping = (seqNo: number, node: string, from: string): PacketMessage => ({
  _tag: "Ping",
  seqNo,
  node,
  source: { address: addressOf(from), node: from }
})

/**
 * A verification ping: exactly [Ping, Suspect], nothing piggybacked, and
 * not a round robin probe (each of those sets a ProbeTimeout for its seqNo).
 */
const isVerification = (d: CoreDriver) => {
  const probes = new Set(d.timersSet("ProbeTimeout").map((t) => t.timer.seqNo))
  return (p: SentPacket): boolean =>
    p.messages.length === 2 && p.messages[0]?._tag === "Ping" && p.messages[0].node === p.toName &&
    p.messages[1]?._tag === "Suspect" && p.messages[1].node === p.toName && p.messages[1].from === d.name &&
    !probes.has(p.messages[0].seqNo)
}

describe("verification pings", () => {
  it("never take the round robin's turn: with 10 suspects held, one cycle of n ticks probes every member once", () => {
    const members = names("m", 30)
    const suspects = members.slice(0, 10)
    // constant intervals, so a tick is a probe interval; memberlist's round robin, whose cycle visits everyone once
    const d = new CoreDriver({ seed: 3, timings: { awarenessMaxMultiplier: 1, suspicionMult: 20, alignedProbing: false } })
    d.addMembers(members)
    for (const m of members.slice(10)) d.responders.add(m)
    // start a fresh cycle, then hear of 10 suspicions raised by others
    while (d.state.probeIndex !== 0) d.advanceToTimer("ProbeTick")
    for (const s of suspects) d.receive("m29", suspect(s, 1, "m29"))
    const mark = d.mark()
    const targets: Array<string> = []
    for (let i = 0; i < members.length; i++) {
      d.advanceToTimer("ProbeTick")
      targets.push(d.state.probe!.target)
    }
    expect([...targets].sort()).toEqual([...members].sort())
    const ticks = d.timersSet("ProbeTick", mark)
    expect(ticks.map((t) => t.at - t.setAt)).toEqual(ticks.map(() => 1000))
    // and the suspects were verified besides
    const verified = new Set(d.sentPackets(mark).filter(isVerification(d)).map((p) => p.toName))
    expect([...verified].sort()).toEqual([...suspects].sort())
  })

  it("are bare [Ping, Suspect] packets, at most two a tick, each suspect once per third of the min timeout", () => {
    const members = names("m", 40)
    const suspects = members.slice(0, 6)
    const d = new CoreDriver({ seed: 8 })
    d.addMembers(members)
    for (const m of members.slice(6)) d.responders.add(m)
    for (const s of suspects) d.receive("m39", suspect(s, 1, "m39"))
    const spacing = verificationSpacing(d.state.suspicions.get("m0")!)
    const mark = d.mark()
    d.advanceBy(20_000)
    const verifications = d.sentPackets(mark).filter(isVerification(d))
    const perTick = new Map<number, number>()
    for (const p of verifications) perTick.set(p.at, (perTick.get(p.at) ?? 0) + 1)
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(2)
    for (const s of suspects) {
      const times = verifications.filter((p) => p.toName === s).map((p) => p.at)
      expect(times.length).toBeGreaterThanOrEqual(3)
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(spacing)
    }
    for (const p of verifications) expect(p.probe).toBe(true)
  })

  it("our own accusation is verified at once, in the tick that raises it", () => {
    const d = new CoreDriver({ seed: 2 })
    d.addMembers(names("m", 5))
    d.addMember("t")
    for (const m of names("m", 5)) d.responders.add(m)
    probeUntil(d, "t")
    const mark = d.mark()
    d.advanceToTimer("ProbeTick")
    expect(d.member("t")?.state).toBe(NodeState.Suspect)
    const raisedAt = d.now
    expect(d.sentPackets(mark).filter(isVerification(d)).map((p) => [p.toName, p.at])).toEqual([["t", raisedAt]])
  })

  it("unanswered, they are no confirmation and cost no local health", () => {
    const members = names("m", 40)
    const d = new CoreDriver({ seed: 6 })
    d.addMembers(members)
    d.addMember("t")
    for (const m of members) d.responders.add(m)
    d.receive("m0", suspect("t", 1, "m0"))
    const mark = d.mark()
    let verifications = 0
    for (let i = 0; i < 8; i++) {
      d.advanceToTimer("ProbeTick")
      if (d.state.probe?.target === "t") break // the round robin's own probe of t may accuse
      verifications = d.sentPackets(mark).filter(isVerification(d)).length
      expect([...d.state.suspicions.get("t")!.accusers]).toEqual(["m0"])
      expect(d.state.awareness).toBe(0)
    }
    expect(verifications).toBeGreaterThanOrEqual(2)
  })

  it("no stream ping to a member we already suspect", () => {
    const d = new CoreDriver({ seed: 5 })
    d.addMembers(names("m", 3))
    // live relays, whatever the probe order: only alive members are asked to probe indirectly
    for (const m of names("m", 3)) d.responders.add(m)
    d.addMember("t")
    d.receive("m0", suspect("t", 1, "m0"))
    const mark = d.mark()
    for (let i = 0; i < 10 && d.member("t")?.state === NodeState.Suspect; i++) d.advanceToTimer("ProbeTick")
    expect(d.sent("IndirectPing", mark).some((i) => i.message.node === "t")).toBe(true)
    expect(d.outputsOf("StreamPing", mark).filter((s) => s.ping._tag === "Ping" && s.ping.node === "t")).toEqual([])
  })
})

describe("a ping is answered after the rest of its packet", () => {
  const ackTo = (d: CoreDriver, to: string, seqNo: number, since: number) =>
    d.sentPackets(since).find((p) => p.toName === to && p.messages.some((m) => m._tag === "Ack" && m.seqNo === seqNo))

  it("so the ack to a prober that accuses us carries our refutation", () => {
    const d = new CoreDriver()
    d.addMembers(["a", "b"])
    const mark = d.mark()
    d.receive("a", ping(7, d.name, "a"), suspect(d.name, 1, "a"))
    const ack = ackTo(d, "a", 7, mark)
    expect(ack?.messages).toContainEqual(alive(d.name, 2, { address: d.address }))
  })

  it("and an accusation we already refuted gets our alive again on the ack, long after the refutation was gossiped", () => {
    const d = new CoreDriver()
    d.addMembers(["a", "b"])
    d.receive("b", suspect(d.name, 1, "b"))
    d.drainQueues()
    const mark = d.mark()
    d.receive("a", ping(8, d.name, "a"), suspect(d.name, 1, "a"))
    expect(ackTo(d, "a", 8, mark)?.messages).toContainEqual(alive(d.name, 2, { address: d.address }))
  })
})
