/**
 * The SWIM + Lifeguard core, one protocol rule per group, driven with
 * explicit inputs on virtual time.
 */
import { describe, expect, it } from "@effect/vitest"
import type { MessageSizer } from "../../../src/internal/swim/config.js"
import * as Core from "../../../src/internal/swim/core.js"
import { estimateSize } from "../../../src/internal/swim/estimateSize.js"
import type { MembershipEvent } from "../../../src/internal/swim/io.js"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"
import {
  addressOf,
  alive,
  CoreDriver,
  dead,
  type DriverOptions,
  NodeState,
  probeUntil,
  pushState,
  suspect,
  versionsUpTo
} from "./driver.js"

// ---------------------------------------------------------------- helpers

const names = (prefix: string, n: number): Array<string> => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** A started node knowing `others` (alive at incarnation 1), each answering our pings when `responsive`. */
const cluster = (others: ReadonlyArray<string>, options: DriverOptions & { readonly responsive?: boolean } = {}) => {
  const d = new CoreDriver(options)
  d.addMembers(others)
  if (options.responsive ?? true) for (const n of others) d.responders.add(n)
  return d
}

const aboutMember = (name: string) => (e: MembershipEvent): boolean =>
  "member" in e && e.member.name === name

const localStatuses = (d: CoreDriver, since = 0) =>
  d.eventsOf("LocalStatus", since).map((e) => ({ status: e.status, cause: e.cause, incarnation: e.incarnation }))

const packetSize = (sizeOf: MessageSizer, messages: ReadonlyArray<PacketMessage>): number =>
  2 + messages.reduce((sum, m) => sum + sizeOf(m) + 2, 0)

const isAliveOf = (node: string, incarnation?: number) => (m: PacketMessage): boolean =>
  m._tag === "Alive" && m.node === node && (incarnation === undefined || m.incarnation === incarnation)

// ---------------------------------------------------------------- 1. probing

describe("rule 1: probing", () => {
  it("shuffled round robin: probes one member per probe interval, each live member exactly once per cycle, reshuffled on wrap", () => {
    const others = names("p", 6)
    const d = cluster(others, { seed: 7, timings: { alignedProbing: false } })
    const mark = d.mark()
    for (let i = 0; i < 4 * others.length; i++) d.advanceToTimer("ProbeTick")
    const pings = d.pings(mark)
    expect(pings.length).toBe(4 * others.length)
    // one probe per interval: consecutive pings are exactly one probe interval apart (healthy node)
    for (let i = 1; i < pings.length; i++) expect(pings[i]!.at - pings[i - 1]!.at).toBe(d.config.probeInterval)
    const cycles = Array.from({ length: 4 }, (_, c) => pings.slice(c * others.length, (c + 1) * others.length).map((p) => p.toName))
    for (const cycle of cycles) expect([...cycle].sort()).toEqual([...others].sort())
    // reshuffled on wrap: the cycles do not all repeat one order
    expect(new Set(cycles.map((c) => c.join(","))).size).toBeGreaterThan(1)
  })

  it("the direct ping goes to the target's address and carries the target's name", () => {
    const d = cluster(names("p", 4))
    const mark = d.mark()
    for (let i = 0; i < 8; i++) d.advanceToTimer("ProbeTick")
    const pings = d.pings(mark)
    expect(pings.length).toBe(8)
    for (const p of pings) {
      expect(p.ping.node).toBe(p.toName)
      expect(p.ping.source).toEqual({ address: d.address, node: d.name })
    }
  })

  it("a new member is inserted into the probe order at a random position", () => {
    const positions = new Set<number>()
    let appendedLast = 0
    for (let seed = 1; seed <= 30; seed++) {
      const d = cluster(names("p", 6), { seed })
      d.addMember("newcomer")
      const order = d.state.probeOrder.map((m) => m.name)
      const at = order.indexOf("newcomer")
      expect(at).toBeGreaterThanOrEqual(0)
      positions.add(at)
      if (at === order.length - 1) appendedLast++
    }
    expect(positions.size).toBeGreaterThan(3)
    expect(appendedLast).toBeLessThan(30)
  })

  it("shuffled round robin: dead and left members are skipped", () => {
    const d = cluster(["a", "b", "c", "gone", "quit"], { timings: { alignedProbing: false } })
    d.receive("a", dead("gone", 1, "a"), dead("quit", 1, "quit"))
    expect(d.member("gone")?.state).toBe(NodeState.Dead)
    expect(d.member("quit")?.state).toBe(NodeState.Left)
    const mark = d.mark()
    for (let i = 0; i < 9; i++) d.advanceToTimer("ProbeTick")
    const targets = d.pings(mark).map((p) => p.toName)
    expect(targets.length).toBe(9)
    for (const n of ["a", "b", "c"]) expect(targets.filter((t) => t === n).length).toBe(3)
  })

  it("after the probe timeout: indirect pings through k random alive members, nack flag only for pMax >= 4", () => {
    const d = new CoreDriver({ seed: 3, timings: { indirectChecks: 4 } })
    const modern = names("new", 4)
    const old = names("old", 4)
    d.addMembers(modern, { versions: versionsUpTo(5) })
    d.addMembers(old, { versions: versionsUpTo(3) })
    d.addMember("t")
    d.addMember("gone")
    d.receive("new0", dead("gone", 1, "new0"))
    for (const n of [...modern, ...old]) d.responders.add(n)
    const seqNo = probeUntil(d, "t")
    const pingedAt = d.now
    const mark = d.mark()
    d.advanceTo(pingedAt + d.config.probeTimeout - 1)
    expect(d.sent("IndirectPing", mark)).toEqual([])
    d.advanceTo(pingedAt + d.config.probeTimeout)
    const indirect = d.sent("IndirectPing", mark)
    expect(indirect.length).toBe(4)
    const relays = indirect.map((i) => i.packet.toName)
    expect(new Set(relays).size).toBe(4)
    for (const { message, packet } of indirect) {
      expect([...modern, ...old]).toContain(packet.toName)
      expect(message.node).toBe("t")
      expect(message.target).toEqual(addressOf("t"))
      expect(message.seqNo).toBe(seqNo)
      expect(message.nack).toBe(packet.toName.startsWith("new"))
    }
    // the sample exercised both kinds of relay
    expect(indirect.some((i) => i.message.nack)).toBe(true)
    expect(indirect.some((i) => !i.message.nack)).toBe(true)
  })

  it("after the probe timeout the direct ping goes once more, bare, with the same seqNo; an ack to it ends the probe", () => {
    const d = cluster(["a", "b", "c"])
    d.addMember("t")
    const seqNo = probeUntil(d, "t")
    const pingedAt = d.now
    const mark = d.mark()
    d.advanceTo(pingedAt + d.config.probeTimeout)
    const again = d.sentPackets(mark).filter((p) => p.toName === "t")
    expect(again.map((p) => [p.messages, p.probe])).toEqual([[[{ _tag: "Ping", seqNo, node: "t", source: { address: d.address, node: d.name } }], false]])
    expect(d.sent("IndirectPing", mark).length).toBe(3)
    // the first ping or its ack was lost; the second gets through
    d.receive("t", { _tag: "Ack", seqNo, payload: new Uint8Array(0) })
    d.advanceToTimer("ProbeTick")
    expect(d.member("t")?.state).toBe(NodeState.Alive)
  })

  it("an acked probe sends no indirect pings", () => {
    const d = cluster(["a", "b", "t"])
    probeUntil(d, "t")
    const mark = d.mark()
    d.advanceToTimer("ProbeTimeout")
    expect(d.sent("IndirectPing", mark)).toEqual([])
    expect(d.outputsOf("StreamPing", mark)).toEqual([])
  })

  it("a relay pings the target with its own seqNo and passes the ack back with the requester's seqNo", () => {
    const d = new CoreDriver()
    const mark = d.mark()
    d.receive("req", {
      _tag: "IndirectPing",
      seqNo: 77,
      target: addressOf("t"),
      node: "t",
      nack: true,
      source: { address: addressOf("req"), node: "req" }
    })
    const relayed = d.sent("Ping", mark)
    expect(relayed.length).toBe(1)
    expect(relayed[0]!.packet.toName).toBe("t")
    expect(relayed[0]!.message.node).toBe("t")
    const relaySeq = relayed[0]!.message.seqNo
    const afterPing = d.mark()
    d.advanceBy(100)
    d.receive("t", { _tag: "Ack", seqNo: relaySeq, payload: new Uint8Array(0) })
    const acks = d.sent("Ack", afterPing)
    expect(acks.map((a) => [a.packet.toName, a.message.seqNo])).toEqual([["req", 77]])
    // an answered relay never nacks
    d.advanceBy(d.config.probeTimeout * 2)
    expect(d.sent("Nack", mark)).toEqual([])
  })

  it("a relay with no ack in time answers a nack at the probe timeout, only if asked", () => {
    const d = new CoreDriver()
    const mark = d.mark()
    const request = (from: string, seqNo: number, nack: boolean): PacketMessage => ({
      _tag: "IndirectPing",
      seqNo,
      target: addressOf("t"),
      node: "t",
      nack,
      source: { address: addressOf(from), node: from }
    })
    d.receive("req1", request("req1", 11, true))
    d.receive("req2", request("req2", 12, false))
    d.advanceBy(d.config.probeTimeout - 1)
    expect(d.sent("Nack", mark)).toEqual([])
    d.advanceBy(1)
    expect(d.sent("Nack", mark).map((n) => [n.packet.toName, n.message.seqNo])).toEqual([["req1", 11]])
    d.advanceBy(10_000)
    expect(d.sent("Nack", mark).length).toBe(1)
  })

  const streamPingCase = (pMax: number, tcpPingFallback: boolean) => {
    const d = new CoreDriver({ timings: { tcpPingFallback } })
    d.addMember("t", { versions: versionsUpTo(pMax) })
    const seqNo = probeUntil(d, "t")
    const pingedAt = d.now
    const mark = d.mark()
    d.advanceTo(pingedAt + d.config.probeTimeout)
    return { d, seqNo, pingedAt, stream: d.outputsOf("StreamPing", mark) }
  }

  it("a failed direct probe of a member with pMax >= 3 also pings it over a stream", () => {
    const { d, pingedAt, seqNo, stream } = streamPingCase(3, true)
    expect(stream.length).toBe(1)
    expect(stream[0]!.to).toEqual(addressOf("t"))
    expect(stream[0]!.ping).toMatchObject({ _tag: "Ping", node: "t", seqNo })
    expect(stream[0]!.deadline).toBe(pingedAt + d.config.probeInterval)
  })

  it("no stream ping when tcpPingFallback is false, nor to a member with pMax < 3", () => {
    expect(streamPingCase(5, false).stream).toEqual([])
    expect(streamPingCase(2, true).stream).toEqual([])
  })

  it("a ping naming another node is Dropped NotForUs and not answered; one naming us is acked to its source", () => {
    const d = new CoreDriver()
    const mark = d.mark()
    const out = d.receive("a", { _tag: "Ping", seqNo: 5, node: "someone-else", source: { address: addressOf("a"), node: "a" } })
    expect(out.filter((o) => o._tag === "Dropped").map((o) => o._tag === "Dropped" && o.reason)).toEqual(["NotForUs"])
    expect(d.sentPackets(mark)).toEqual([])
    d.receive("relay", { _tag: "Ping", seqNo: 6, node: d.name, source: { address: addressOf("a"), node: "a" } })
    expect(d.sent("Ack", mark).map((a) => [a.packet.toName, a.message.seqNo])).toEqual([["a", 6]])
  })

  it("probing a suspect member piggybacks a Suspect message from us", () => {
    const d = cluster(["a", "b", "t"])
    d.receive("a", suspect("t", 1, "a"))
    const mark = d.mark()
    probeUntil(d, "t")
    const packets = d.sentPackets(mark).filter((p) => p.messages.some((m) => m._tag === "Ping" && m.node === "t"))
    expect(packets.length).toBe(1)
    expect(packets[0]!.messages).toContainEqual(suspect("t", 1, d.name))
    // a probe of a healthy member carries no such accusation
    probeUntil(d, "a")
    const toA = d.sentPackets(mark).filter((p) => p.messages.some((m) => m._tag === "Ping" && m.node === "a"))
    expect(toA.length).toBeGreaterThan(0)
    for (const p of toA) expect(p.messages.some((m) => m._tag === "Suspect" && m.node === "a")).toBe(false)
  })
})

// ---------------------------------------------------------------- 2. suspicion

describe("rule 2: suspicion", () => {
  it("a failed probe marks the member suspect at its incarnation, emits MemberSuspected and queues a Suspect", () => {
    const d = new CoreDriver()
    d.addMember("t", { incarnation: 3 })
    probeUntil(d, "t")
    const pingedAt = d.now
    // still alive while the probe is in flight, indirect phase included
    d.advanceTo(pingedAt + d.config.probeInterval - 1)
    expect(d.member("t")?.state).toBe(NodeState.Alive)
    const mark = d.mark()
    d.advanceTo(pingedAt + d.config.probeInterval)
    expect(d.member("t")).toMatchObject({ state: NodeState.Suspect, incarnation: 3 })
    const suspected = d.eventsOf("MemberSuspected", mark)
    expect(suspected.length).toBe(1)
    expect(suspected[0]!.member.name).toBe("t")
    expect(suspected[0]!.from).toBe(d.name)
    expect(d.membershipQueue()).toContainEqual(suspect("t", 3, d.name))
  })

  it("an acked probe raises no suspicion", () => {
    const d = cluster(["t"])
    for (let i = 0; i < 10; i++) d.advanceToTimer("ProbeTick")
    expect(d.eventsOf("MemberSuspected")).toEqual([])
    expect(d.member("t")?.state).toBe(NodeState.Alive)
  })

  it("the suspect refutes with a higher incarnation: MemberRecovered, suspicion cleared, never declared dead", () => {
    const d = cluster(["a", "b", "t"])
    d.receive("a", suspect("t", 1, "a"))
    expect(d.member("t")?.state).toBe(NodeState.Suspect)
    const mark = d.mark()
    d.advanceBy(1000)
    d.receive("t", alive("t", 2))
    expect(d.eventsOf("MemberRecovered", mark).map((e) => e.member.name)).toEqual(["t"])
    expect(d.member("t")).toMatchObject({ state: NodeState.Alive, incarnation: 2 })
    expect(d.state.suspicions.has("t")).toBe(false)
    d.advanceBy(120_000)
    expect(d.eventsOf("MemberFailed")).toEqual([])
    expect(d.member("t")?.state).toBe(NodeState.Alive)
  })

  it("with confirmations expected, the timeout starts at max = suspicionMaxTimeoutMult × min; at expiry Dead + MemberFailed", () => {
    // n = 4 (self, a, b, t): min = 4 × max(1, log10 4) × 1000 = 4000, max = 6 × 4000; n - 2 >= suspicionMult - 2
    const d = cluster(["a", "b", "t"])
    const mark = d.mark()
    d.receive("a", suspect("t", 1, "a"))
    expect(d.timersSet("SuspicionTimeout", mark).map((t) => t.at)).toEqual([24_000])
    d.advanceTo(23_999)
    expect(d.member("t")?.state).toBe(NodeState.Suspect)
    expect(d.eventsOf("MemberFailed")).toEqual([])
    d.advanceTo(24_000)
    const failed = d.eventsOf("MemberFailed")
    expect(failed.map((e) => [e.member.name, e.from])).toEqual([["t", d.name]])
    expect(d.member("t")?.state).toBe(NodeState.Dead)
    expect(d.membershipQueue()).toContainEqual(dead("t", 1, d.name))
  })

  it("when no confirmations are expected (n - 2 < suspicionMult - 2) the timeout is the min", () => {
    const d = cluster(["a", "t"]) // n = 3 < 4
    const mark = d.mark()
    d.receive("a", suspect("t", 1, "a"))
    expect(d.timersSet("SuspicionTimeout", mark).map((t) => t.at)).toEqual([4000])
    d.advanceTo(3999)
    expect(d.member("t")?.state).toBe(NodeState.Suspect)
    d.advanceTo(4000)
    expect(d.member("t")?.state).toBe(NodeState.Dead)
    expect(d.eventsOf("MemberFailed").length).toBe(1)
  })

  for (const [n, min] of [[20, 5204], [100, 8000]] as const) {
    it(`the min timeout scales with log10(n): n = ${n} gives min ${min} and max ${6 * min}`, () => {
      const d = cluster(names("m", n - 2).concat("t"))
      expect(Core.members(d.state).length).toBe(n)
      const mark = d.mark()
      d.receive("m0", suspect("t", 1, "m0"))
      expect(d.state.suspicions.get("t")).toMatchObject({ min, max: 6 * min })
      expect(d.timersSet("SuspicionTimeout", mark).map((t) => t.at)).toEqual([6 * min])
    })
  }

  it("independent confirmations shrink the timeout toward min; repeats do not count", () => {
    // n = 5: expected confirmations = suspicionMult - 2 = 2, min 4000, max 24000
    const d = cluster(["a", "b", "c", "t"])
    d.receive("a", suspect("t", 1, "a"))
    expect(d.latestTimer("SuspicionTimeout").at).toBe(24_000)

    d.advanceTo(1000)
    let mark = d.mark()
    d.receive("a", suspect("t", 1, "a")) // a repeat
    expect(d.timersSet("SuspicionTimeout", mark)).toEqual([])
    expect(d.state.suspicions.get("t")?.deadline).toBe(24_000)

    d.advanceTo(2000)
    mark = d.mark()
    d.receive("b", suspect("t", 1, "b")) // first confirmation: max - log(2)/log(3) × (max - min)
    const afterOne = Math.floor(24_000 - (Math.log(2) / Math.log(3)) * 20_000)
    expect(afterOne).toBe(11_381)
    expect(d.timersSet("SuspicionTimeout", mark).map((t) => t.at)).toEqual([afterOne])
    expect(d.membershipQueue()).toContainEqual(suspect("t", 1, "b")) // re-gossiped

    mark = d.mark()
    d.receive("b", suspect("t", 1, "b")) // b again: no change
    expect(d.timersSet("SuspicionTimeout", mark)).toEqual([])

    d.advanceTo(3000)
    mark = d.mark()
    d.receive("c", suspect("t", 1, "c")) // second confirmation: min
    expect(d.timersSet("SuspicionTimeout", mark).map((t) => t.at)).toEqual([4000])

    d.advanceTo(3999)
    expect(d.member("t")?.state).toBe(NodeState.Suspect)
    d.advanceTo(4000)
    expect(d.member("t")?.state).toBe(NodeState.Dead)
    expect(d.eventsOf("MemberFailed").length).toBe(1)
  })
})

// ---------------------------------------------------------------- 3. local health

describe("rule 3: local health (Lifeguard awareness)", () => {
  it("a failed probe with no nack-capable relays raises the score by 1 and stretches the next tick and probe timeout", () => {
    const d = new CoreDriver({ seed: 5 })
    d.addMembers(["old0", "old1"], { versions: versionsUpTo(3) })
    d.addMember("t")
    d.responders.add("old0").add("old1")
    probeUntil(d, "t")
    expect(Core.healthScore(d.state)).toBe(0)
    expect(d.latestTimer("ProbeTimeout").at).toBe(d.now + 500)
    expect(d.latestTimer("ProbeTick").at).toBe(d.now + 1000)
    d.responders.clear()
    const mark = d.mark()
    d.advanceToTimer("ProbeTimeout")
    expect(d.sent("IndirectPing", mark).length).toBeGreaterThan(0)
    expect(d.sent("IndirectPing", mark).every((i) => !i.message.nack)).toBe(true)
    d.advanceToTimer("ProbeTick")
    expect(Core.healthScore(d.state)).toBe(1)
    const tick = d.now
    expect(d.latestTimer("ProbeTick").at).toBe(tick + 2 * 1000)
    expect(d.latestTimer("ProbeTimeout").at).toBe(tick + 2 * 500)
  })

  /** t fails a probe; `nacksReceived` of its 3 relays nack, `late` ones after the probe has ended. */
  const missedNacksCase = (nacksReceived: number, late = false) => {
    const d = new CoreDriver({ seed: 9 })
    const relays = names("new", 3)
    d.addMembers(relays, { versions: versionsUpTo(5) })
    d.addMember("t")
    for (const r of relays) d.responders.add(r)
    const seqNo = probeUntil(d, "t")
    d.responders.clear()
    expect(Core.healthScore(d.state)).toBe(0)
    const mark = d.mark()
    d.advanceToTimer("ProbeTimeout")
    const indirectAt = d.now
    const asked = d.sent("IndirectPing", mark).filter((i) => i.message.nack)
    const nack = () => {
      for (const { packet } of asked.slice(0, nacksReceived)) d.receive(packet.toName, { _tag: "Nack", seqNo })
    }
    if (!late) nack()
    d.advanceToTimer("ProbeTick")
    const tick = d.now
    if (late) {
      // a relay nacks probeTimeout after our request reached it: at full health, after our probe ended
      d.advanceTo(indirectAt + 500 + 4)
      nack()
    }
    // the verdict waits until the nacks are due (two probe timeouts after the request)
    d.advanceTo(indirectAt + 2 * 500)
    return { d, asked: asked.length, tick, score: Core.healthScore(d.state) }
  }

  it("with nack-capable relays, a failed probe raises the score by the number of missed nacks", () => {
    const none = missedNacksCase(0)
    expect(none.asked).toBe(3)
    expect(none.score).toBe(3)
    // the tick after the verdict is stretched fourfold, and so is its probe timeout
    none.d.advanceToTimer("ProbeTick")
    expect(none.d.latestTimer("ProbeTick").at).toBe(none.d.now + 4 * 1000)
    expect(none.d.latestTimer("ProbeTimeout").at).toBe(none.d.now + 4 * 500)
    expect(missedNacksCase(1).score).toBe(2)
    expect(missedNacksCase(2).score).toBe(1)
  })

  it("when every nack arrived the failed probe does not raise the score (the target is the problem, not us)", () => {
    const all = missedNacksCase(3)
    expect(all.score).toBe(0)
    expect(all.d.latestTimer("ProbeTick").at).toBe(all.tick + 1000)
    // the member is still suspected
    expect(all.d.member("t")?.state).toBe(NodeState.Suspect)
  })

  it("nacks that come after the probe ended, when relays answer at their own probe timeout, still count", () => {
    // memberlist judges at the end of the probe, before a healthy node's nacks are back: +3 for every failed probe
    const late = missedNacksCase(3, true)
    expect(late.score).toBe(0)
    expect(missedNacksCase(1, true).score).toBe(2)
    // the suspicion itself is raised when the probe ends, not when the nacks are due
    const suspected = late.d.log.filter((r) => r.output._tag === "Event" && r.output.event._tag === "MemberSuspected")
    expect(suspected.map((r) => r.at)).toEqual([late.tick])
  })

  it("a successful probe lowers the score by 1", () => {
    // a long suspicion, so t stays probeable throughout
    const d = new CoreDriver({ timings: { suspicionMult: 20 } })
    d.addMember("t")
    probeUntil(d, "t")
    d.advanceToTimer("ProbeTick") // fails: 1
    d.advanceToTimer("ProbeTick") // fails: 2
    expect(Core.healthScore(d.state)).toBe(2)
    const last = d.pings().at(-1)!
    d.receive("t", { _tag: "Ack", seqNo: last.ping.seqNo, payload: new Uint8Array(0) })
    expect(Core.healthScore(d.state)).toBe(1)
    // a duplicate ack of the same probe does not count twice
    d.receive("t", { _tag: "Ack", seqNo: last.ping.seqNo, payload: new Uint8Array(0) })
    expect(Core.healthScore(d.state)).toBe(1)
    const mark = d.mark()
    d.advanceToTimer("ProbeTick")
    expect(d.timersSet("ProbeTick", mark).map((t) => t.at - t.setAt)).toEqual([2000])
    const next = d.pings(mark).at(-1)!
    d.receive("t", { _tag: "Ack", seqNo: next.ping.seqNo, payload: new Uint8Array(0) })
    expect(Core.healthScore(d.state)).toBe(0)
  })

  it("refuting an accusation raises the score", () => {
    const d = cluster(["a"])
    d.receive("a", suspect(d.name, 1, "a"))
    expect(Core.healthScore(d.state)).toBe(1)
    const mark = d.mark()
    d.advanceToTimer("ProbeTick")
    expect(d.timersSet("ProbeTick", mark).map((t) => t.at - t.setAt)).toEqual([2000])
  })

  for (const awarenessMaxMultiplier of [8, 4]) {
    it(`the score is bounded by awarenessMaxMultiplier - 1 (${awarenessMaxMultiplier - 1}) and so are the intervals`, () => {
      const d = cluster(names("m", 10), { responsive: false, timings: { awarenessMaxMultiplier } })
      let maxScore = 0
      for (let i = 0; i < 12; i++) {
        d.advanceToTimer("ProbeTick")
        maxScore = Math.max(maxScore, Core.healthScore(d.state))
      }
      expect(maxScore).toBe(awarenessMaxMultiplier - 1)
      const gaps = d.timersSet("ProbeTick").slice(1).map((t) => t.at - t.setAt)
      expect(Math.max(...gaps)).toBe(awarenessMaxMultiplier * 1000)
      const timeouts = d.timersSet("ProbeTimeout").map((t) => t.at - t.setAt)
      expect(Math.max(...timeouts)).toBe(awarenessMaxMultiplier * 500)
    })
  }
})

// ---------------------------------------------------------------- 4. dissemination

describe("rule 4: dissemination", () => {
  // memberlist's count: retransmitMult × ceil(log10(n + 1)); with coverageFloor at least ceil(ln(100 n))
  for (const [others, retransmitMult, coverageFloor, limit] of [
    [3, 4, false, 4],
    [9, 4, false, 8],
    [3, 2, false, 2],
    [99, 3, false, 9],
    [3, 4, true, 6],
    [9, 4, true, 8],
    [99, 3, true, 10]
  ] as const) {
    it(`with n = ${others + 1}, retransmitMult ${retransmitMult}${coverageFloor ? " and coverageFloor" : ""} an update is sent ${limit} times, then leaves the queue`, () => {
      const d = cluster(names("m", others), { timings: { retransmitMult, coverageFloor } })
      d.drainQueues()
      const mark = d.mark()
      d.input({ _tag: "UpdateMetadata", meta: new Uint8Array([1]) })
      expect(d.membershipQueue().filter(isAliveOf(d.name, 2)).length).toBe(1)
      d.drainQueues()
      const count = () => d.sentPackets(mark).flatMap((p) => p.messages).filter(isAliveOf(d.name, 2)).length
      expect(count()).toBe(limit)
      expect(d.membershipQueue()).toEqual([])
      d.advanceBy(5000)
      d.receive("m0", { _tag: "Ping", seqNo: 1, node: d.name })
      expect(d.sentPackets(mark).length).toBeGreaterThan(limit)
      expect(count()).toBe(limit)
    })
  }

  it("the fewest-sent updates go first (the newest among equals)", () => {
    const d = cluster(["a"], { timings: { gossipNodes: 1, packetBudget: 128 } })
    d.drainQueues()
    const A = new Uint8Array(100).fill(1)
    const B = new Uint8Array(100).fill(2)
    const sentPayloads: Array<number> = []
    const gossip = () => {
      const mark = d.mark()
      d.fire("GossipTick")
      const users = d.sent("User", mark)
      expect(users.length).toBe(1)
      // the payload may travel wrapped (origin + seq envelope); its last byte is the body's
      sentPayloads.push(users[0]!.message.payload.at(-1)!)
    }
    d.input({ _tag: "Broadcast", payload: A })
    gossip() // A: 1
    d.input({ _tag: "Broadcast", payload: B })
    gossip() // B (0) before A (1)
    gossip() // both 1: the newest, B
    gossip() // A (1) before B (2)
    expect(sentPayloads).toEqual([1, 2, 2, 1])
  })

  it("a newer update about a member replaces the older one in the queue", () => {
    const d = cluster(["a", "b"])
    d.drainQueues()
    const mark = d.mark()
    d.receive("a", suspect("b", 1, "a"), alive("b", 2))
    const aboutB = d.membershipQueue().filter((m) => "node" in m && m.node === "b")
    expect(aboutB).toEqual([alive("b", 2)])
    d.drainQueues()
    const sent = d.sentPackets(mark).flatMap((p) => p.messages)
    expect(sent.some((m) => m._tag === "Suspect" && m.node === "b")).toBe(false)
    expect(sent.some(isAliveOf("b", 2))).toBe(true)
  })

  it("updates are piggybacked on every packet, acks included", () => {
    const d = cluster(["a"])
    d.drainQueues()
    d.input({ _tag: "UpdateMetadata", meta: new Uint8Array([4]) })
    const mark = d.mark()
    d.receive("a", { _tag: "Ping", seqNo: 9, node: d.name })
    const packets = d.sentPackets(mark)
    expect(packets.length).toBe(1)
    expect(packets[0]!.messages[0]).toMatchObject({ _tag: "Ack", seqNo: 9 })
    expect(packets[0]!.messages.some(isAliveOf(d.name, 2))).toBe(true)
    // and on our own pings
    d.input({ _tag: "UpdateMetadata", meta: new Uint8Array([5]) })
    const beforePing = d.mark()
    probeUntil(d, "a")
    const ping = d.sentPackets(beforePing).find((p) => p.messages[0]?._tag === "Ping")
    expect(ping?.messages.some(isAliveOf(d.name, 3))).toBe(true)
  })

  const budgetCase = (sizeOf: MessageSizer) => {
    const d = new CoreDriver({ timings: { packetBudget: 300 }, sizeOf })
    const others = names("m", 40)
    d.addMembers(others)
    d.responders.add("m0").add("m1")
    d.receive("x", { _tag: "Ping", seqNo: 1, node: d.name, source: { address: addressOf("x"), node: "x" } })
    d.input({ _tag: "Broadcast", payload: new Uint8Array(60) })
    d.advanceBy(5000)
    return d.sentPackets()
  }

  for (const [label, sizeOf] of [
    ["the default size estimate", estimateSize],
    ["a custom sizer", (m: PacketMessage) => estimateSize(m) + 17]
  ] as const) {
    it(`no packet exceeds packetBudget under ${label} (header 2 + size + 2 per message)`, () => {
      const packets = budgetCase(sizeOf)
      expect(packets.length).toBeGreaterThan(10)
      for (const p of packets) expect(packetSize(sizeOf, p.messages)).toBeLessThanOrEqual(300)
      // the queue was full enough to pack packets tight
      expect(Math.max(...packets.map((p) => packetSize(sizeOf, p.messages)))).toBeGreaterThan(300 - sizeOf(alive("m10", 1)) - 2)
      expect(packets.some((p) => p.messages.length >= 3)).toBe(true)
    })
  }

  for (const budget of [308, 300, 288]) {
    it(`packets are filled to the budget and no further (uniform 20-byte messages, budget ${budget})`, () => {
      // every part costs 20 + 2: a packet holds exactly floor((budget - 2) / 22) of them
      const perPacket = Math.floor((budget - 2) / 22)
      const d = new CoreDriver({ timings: { packetBudget: budget }, sizeOf: () => 20 })
      d.addMembers(names("m", 40))
      let mark = d.mark()
      d.receive("m0", { _tag: "Ping", seqNo: 3, node: d.name })
      const [ack] = d.sentPackets(mark)
      expect(ack!.messages[0]).toMatchObject({ _tag: "Ack", seqNo: 3 })
      expect(ack!.messages.length).toBe(perPacket)
      mark = d.mark()
      d.fire("GossipTick")
      const gossip = d.sentPackets(mark)
      expect(gossip.length).toBeGreaterThan(0)
      for (const p of gossip) expect(p.messages.length).toBe(perPacket)
    })
  }

  it("a GossipTick sends to at most gossipNodes members: alive, suspect and recently dead, never left", () => {
    const d = cluster(["a", "b", "c", "s", "gone", "quit"], { timings: { gossipNodes: 2 } })
    d.receive("a", suspect("s", 1, "a"), dead("gone", 1, "a"), dead("quit", 1, "quit"))
    const targets = new Map<string, number>()
    for (let round = 0; round < 60; round++) {
      d.input({ _tag: "Broadcast", payload: new Uint8Array([round]) })
      const mark = d.mark()
      d.fire("GossipTick")
      const packets = d.sentPackets(mark)
      expect(packets.length).toBeGreaterThan(0)
      expect(packets.length).toBeLessThanOrEqual(2)
      expect(new Set(packets.map((p) => p.toName)).size).toBe(packets.length)
      for (const p of packets) targets.set(p.toName, (targets.get(p.toName) ?? 0) + 1)
    }
    expect(targets.has("quit")).toBe(false)
    expect(targets.has(d.name)).toBe(false)
    for (const n of ["a", "b", "c", "s", "gone"]) expect(targets.get(n) ?? 0).toBeGreaterThan(0)
  })

  it("a member dead for longer than gossipToTheDeadTime gets no more gossip", () => {
    const d = cluster(["a", "b", "gone"], { timings: { gossipNodes: 5 } })
    d.receive("a", dead("gone", 1, "a"))
    d.advanceTo(d.config.gossipToTheDeadTime + 1)
    let toGone = 0
    for (let round = 0; round < 30; round++) {
      d.input({ _tag: "Broadcast", payload: new Uint8Array([round]) })
      const mark = d.mark()
      d.fire("GossipTick")
      toGone += d.sentPackets(mark).filter((p) => p.toName === "gone").length
      expect(d.sentPackets(mark).length).toBeGreaterThan(0)
    }
    expect(toGone).toBe(0)
  })

  it("user broadcasts get their reserved share even when the membership queue is flooded", () => {
    const d = cluster(names("m", 80))
    expect(Core.queueDepths(d.state).membership).toBeGreaterThan(40)
    d.input({ _tag: "Broadcast", payload: new Uint8Array(300).fill(7) })
    const mark = d.mark()
    d.fire("GossipTick")
    const packets = d.sentPackets(mark)
    expect(packets.length).toBeGreaterThan(0)
    const first = packets[0]!
    expect(first.messages.filter((m) => m._tag === "Alive").length).toBeGreaterThan(5)
    expect(first.messages.filter((m) => m._tag === "User").length).toBe(1)
    expect(packetSize(estimateSize, first.messages)).toBeLessThanOrEqual(d.config.packetBudget)
  })

  it("an oversized broadcast is Dropped Rejected and queues nothing; one that fits is queued", () => {
    const d = cluster(["a"])
    const out = d.input({ _tag: "Broadcast", payload: new Uint8Array(1400) })
    expect(out).toEqual([expect.objectContaining({ _tag: "Dropped", reason: "Rejected" })])
    expect(Core.queueDepths(d.state).user).toBe(0)
    expect(d.input({ _tag: "Broadcast", payload: new Uint8Array(1000) })).toEqual([])
    expect(Core.queueDepths(d.state).user).toBe(1)
    // what is queued always fits one packet: header 2 + size + part overhead 2 within the budget
    const mark = d.mark()
    d.fire("GossipTick")
    const users = d.sent("User", mark)
    expect(users.length).toBe(1)
    expect(packetSize(estimateSize, users[0]!.packet.messages)).toBeLessThanOrEqual(d.config.packetBudget)
  })
})

// ---------------------------------------------------------------- 5. precedence

type Initial = "alive" | "suspect" | "dead"

interface PrecedenceRow {
  readonly label: string
  readonly initial: Initial
  readonly message: PacketMessage
  readonly state: NodeState
  readonly incarnation: number
  readonly events: ReadonlyArray<MembershipEvent["_tag"]>
}

const precedence: ReadonlyArray<PrecedenceRow> = [
  { label: "alive with a higher incarnation over alive", initial: "alive", message: alive("m", 6), state: NodeState.Alive, incarnation: 6, events: [] },
  { label: "alive with a higher incarnation over suspect", initial: "suspect", message: alive("m", 6), state: NodeState.Alive, incarnation: 6, events: ["MemberRecovered"] },
  { label: "suspect over alive at the same incarnation", initial: "alive", message: suspect("m", 5, "b"), state: NodeState.Suspect, incarnation: 5, events: ["MemberSuspected"] },
  { label: "suspect over alive at a higher incarnation", initial: "alive", message: suspect("m", 7, "b"), state: NodeState.Suspect, incarnation: 7, events: ["MemberSuspected"] },
  { label: "alive at the same incarnation does not clear suspect", initial: "suspect", message: alive("m", 5), state: NodeState.Suspect, incarnation: 5, events: [] },
  { label: "alive at the same incarnation changes nothing", initial: "alive", message: alive("m", 5, { meta: new Uint8Array([1]) }), state: NodeState.Alive, incarnation: 5, events: [] },
  { label: "dead over alive at the same incarnation", initial: "alive", message: dead("m", 5, "b"), state: NodeState.Dead, incarnation: 5, events: ["MemberFailed"] },
  { label: "dead over alive at a higher incarnation", initial: "alive", message: dead("m", 6, "b"), state: NodeState.Dead, incarnation: 6, events: ["MemberFailed"] },
  { label: "dead over suspect at the same incarnation", initial: "suspect", message: dead("m", 5, "b"), state: NodeState.Dead, incarnation: 5, events: ["MemberFailed"] },
  { label: "a leave (dead from itself) over alive", initial: "alive", message: dead("m", 5, "m"), state: NodeState.Left, incarnation: 5, events: ["MemberLeft"] },
  { label: "alive at a lower incarnation is ignored", initial: "alive", message: alive("m", 4, { meta: new Uint8Array([1]) }), state: NodeState.Alive, incarnation: 5, events: [] },
  { label: "suspect at a lower incarnation is ignored", initial: "alive", message: suspect("m", 4, "b"), state: NodeState.Alive, incarnation: 5, events: [] },
  { label: "dead at a lower incarnation is ignored (alive)", initial: "alive", message: dead("m", 4, "b"), state: NodeState.Alive, incarnation: 5, events: [] },
  { label: "dead at a lower incarnation is ignored (suspect)", initial: "suspect", message: dead("m", 4, "b"), state: NodeState.Suspect, incarnation: 5, events: [] },
  { label: "alive at a lower incarnation does not clear suspect", initial: "suspect", message: alive("m", 4), state: NodeState.Suspect, incarnation: 5, events: [] },
  { label: "suspect does not revive dead", initial: "dead", message: suspect("m", 6, "b"), state: NodeState.Dead, incarnation: 5, events: [] },
  { label: "alive at the same incarnation does not revive dead", initial: "dead", message: alive("m", 5), state: NodeState.Dead, incarnation: 5, events: [] },
  { label: "alive at a higher incarnation brings dead back (a rejoin)", initial: "dead", message: alive("m", 6), state: NodeState.Alive, incarnation: 6, events: ["MemberJoined"] }
]

/** A node knowing a, b and m (incarnation 5) in the given state. */
const withMember = (initial: Initial) => {
  const d = cluster(["a", "b"])
  d.addMember("m", { incarnation: 5 })
  if (initial === "suspect") d.receive("a", suspect("m", 5, "a"))
  if (initial === "dead") d.receive("a", dead("m", 5, "a"))
  return d
}

describe("rule 5: precedence", () => {
  for (const row of precedence) {
    it(`${row.label}`, () => {
      const d = withMember(row.initial)
      const mark = d.mark()
      d.receive("b", row.message)
      expect(d.member("m")).toMatchObject({ state: row.state, incarnation: row.incarnation })
      expect(d.events(mark).filter(aboutMember("m")).map((e) => e._tag)).toEqual(row.events)
    })
  }

  const selfAccusations: ReadonlyArray<[string, (self: string) => PacketMessage, number]> = [
    ["suspect at our incarnation", (self) => suspect(self, 1, "a"), 2],
    ["suspect at a higher incarnation", (self) => suspect(self, 7, "a"), 8],
    ["dead at our incarnation", (self) => dead(self, 1, "a"), 2],
    ["dead at a higher incarnation", (self) => dead(self, 3, "a"), 4],
    ["a forged alive about us with other metadata", (self) => alive(self, 4, { meta: new Uint8Array([6]) }), 5]
  ]

  for (const [label, accusation, refutedAt] of selfAccusations) {
    it(`a node hearing ${label} refutes at once with a higher incarnation (${refutedAt})`, () => {
      const d = cluster(["a"])
      const mark = d.mark()
      d.receive("a", accusation(d.name))
      expect(localStatuses(d, mark)).toEqual([{ status: "alive", cause: "refuted", incarnation: refutedAt }])
      expect(d.member(d.name)).toMatchObject({ state: NodeState.Alive, incarnation: refutedAt })
      expect(d.membershipQueue().filter(isAliveOf(d.name))).toEqual([
        alive(d.name, refutedAt, { address: d.address })
      ])
    })
  }

  it("an accusation below our incarnation is not refuted again", () => {
    const d = cluster(["a"])
    d.receive("a", suspect(d.name, 3, "a"))
    expect(d.member(d.name)?.incarnation).toBe(4)
    const mark = d.mark()
    d.receive("b", suspect(d.name, 2, "b"), dead(d.name, 3, "b"))
    expect(localStatuses(d, mark)).toEqual([])
    expect(d.member(d.name)).toMatchObject({ state: NodeState.Alive, incarnation: 4 })
  })

  for (const [label, accusation] of [
    ["told it is alive at a higher incarnation", (self: string) => alive(self, 5, { address: addressOf(self) })],
    ["suspected", (self: string) => suspect(self, 1, "a")],
    ["declared dead", (self: string) => dead(self, 1, "a")],
    ["declared dead at a higher incarnation", (self: string) => dead(self, 5, "a")]
  ] as const) {
    it(`a leaving node ${label} does not refute`, () => {
      const d = cluster(["a", "b"])
      d.input({ _tag: "Leave" })
      expect(d.state.status).toBe("leaving")
      const mark = d.mark()
      d.receive("a", accusation(d.name))
      expect(localStatuses(d, mark)).toEqual([])
      expect(d.member(d.name)).toMatchObject({ state: NodeState.Left, incarnation: 1 })
      expect(d.membershipQueue().filter(isAliveOf(d.name))).toEqual([])
      expect(d.membershipQueue()).toContainEqual(dead(d.name, 1, d.name))
    })
  }
})

// ---------------------------------------------------------------- 6. join and push/pull

describe("rule 6: join and push/pull", () => {
  it("Join starts a join push/pull per seed, not to its own address, carrying the local states", () => {
    const d = new CoreDriver()
    const mark = d.mark()
    d.input({ _tag: "Join", seeds: [addressOf("s1"), d.address, addressOf("s2")] })
    const starts = d.outputsOf("PushPullStart", mark)
    expect(starts.map((s) => s.to)).toEqual([addressOf("s1"), addressOf("s2")])
    expect(starts.every((s) => s.join)).toBe(true)
    expect(new Set(starts.map((s) => s.token)).size).toBe(2)
    for (const s of starts) {
      expect(s.states).toEqual([
        { name: d.name, address: d.address, meta: new Uint8Array(0), incarnation: 1, state: NodeState.Alive, versions: d.config.versions }
      ])
    }
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([])
  })

  it("a push/pull response merges: remote alive → joined, remote dead → suspect here (not dead), remote left → left", () => {
    const d = cluster(["y", "z"])
    d.addMember("w", { incarnation: 2 })
    d.input({ _tag: "Join", seeds: [addressOf("seed")] })
    const [start] = d.outputsOf("PushPullStart")
    const mark = d.mark()
    d.input({
      _tag: "PushPullResponse",
      token: start!.token,
      states: [
        pushState("seed", NodeState.Alive, 1),
        pushState("x", NodeState.Alive, 4),
        pushState("y", NodeState.Dead, 1),
        pushState("z", NodeState.Left, 1),
        pushState("w", NodeState.Alive, 3)
      ]
    })
    expect(d.member("x")).toMatchObject({ state: NodeState.Alive, incarnation: 4 })
    expect(d.member("y")).toMatchObject({ state: NodeState.Suspect, incarnation: 1 })
    expect(d.member("z")).toMatchObject({ state: NodeState.Left })
    expect(d.member("w")).toMatchObject({ state: NodeState.Alive, incarnation: 3 })
    const events = d.events(mark).map((e) => ("member" in e ? `${e._tag}:${e.member.name}` : e._tag))
    expect(events).toEqual(expect.arrayContaining(["MemberJoined:seed", "MemberJoined:x", "MemberSuspected:y", "MemberLeft:z"]))
    expect(events).not.toContain("MemberFailed:y")
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([{ _tag: "JoinCompleted", contacted: 1, failed: 0 }])
  })

  it("JoinCompleted counts contacted and failed seeds, once all have settled", () => {
    const d = new CoreDriver()
    d.input({ _tag: "Join", seeds: [addressOf("s1"), addressOf("s2"), addressOf("s3")] })
    const tokens = d.outputsOf("PushPullStart").map((s) => s.token)
    expect(tokens.length).toBe(3)
    d.input({ _tag: "PushPullResponse", token: tokens[0]!, states: [pushState("s1", NodeState.Alive, 1)] })
    d.input({ _tag: "PushPullFailed", token: tokens[1]!, reason: "connection refused" })
    expect(d.outputsOf("JoinCompleted")).toEqual([])
    d.input({ _tag: "PushPullResponse", token: tokens[2]!, states: [pushState("s3", NodeState.Alive, 1)] })
    expect(d.outputsOf("JoinCompleted")).toEqual([{ _tag: "JoinCompleted", contacted: 2, failed: 1 }])
    // a late duplicate answer changes nothing
    d.input({ _tag: "PushPullFailed", token: tokens[2]!, reason: "late" })
    expect(d.outputsOf("JoinCompleted").length).toBe(1)
  })

  it("a join through only its own address completes at once with nothing contacted", () => {
    const d = new CoreDriver()
    const out = d.input({ _tag: "Join", seeds: [d.address] })
    expect(out.filter((o) => o._tag === "PushPullStart")).toEqual([])
    expect(out.filter((o) => o._tag === "JoinCompleted")).toEqual([{ _tag: "JoinCompleted", contacted: 0, failed: 0 }])
  })

  it("a PushPullRequest is answered with a PushPullReply with the same replyTo and the local states, then merged", () => {
    const d = cluster(["a"])
    const mark = d.mark()
    d.input({ _tag: "PushPullRequest", from: addressOf("q"), join: true, states: [pushState("q", NodeState.Alive, 2)], replyTo: 99 })
    const replies = d.outputsOf("PushPullReply", mark)
    expect(replies.length).toBe(1)
    expect(replies[0]!.replyTo).toBe(99)
    expect(replies[0]!.states.map((s) => s.name).sort()).toEqual(["a", d.name])
    expect(d.eventsOf("MemberJoined", mark).map((e) => e.member.name)).toEqual(["q"])
  })

  it("a periodic PushPullTick starts a (non-join) push/pull with an alive member every pushPullInterval", () => {
    const d = cluster(["a", "gone", "quit"])
    d.receive("a", dead("gone", 1, "a"), dead("quit", 1, "quit"))
    for (let i = 0; i < 8; i++) {
      const mark = d.mark()
      d.fire("PushPullTick")
      const starts = d.outputsOf("PushPullStart", mark)
      expect(starts.map((s) => [s.to, s.join])).toEqual([[addressOf("a"), false]])
      expect(d.timersSet("PushPullTick", mark).map((t) => t.at - t.setAt)).toEqual([30_000])
    }
  })

  for (const [n, interval] of [[32, 30_000], [33, 60_000], [64, 60_000], [65, 90_000]] as const) {
    it(`the push/pull interval is scaled above 32 members: n = ${n} → ${interval} ms`, () => {
      const d = cluster(names("m", n - 1))
      expect(Core.members(d.state).length).toBe(n)
      const mark = d.mark()
      d.fire("PushPullTick")
      expect(d.timersSet("PushPullTick", mark).map((t) => t.at - t.setAt)).toEqual([interval])
      expect(d.outputsOf("PushPullStart", mark).length).toBe(1)
    })
  }
})

// ---------------------------------------------------------------- 7. leave and rejoin

describe("rule 7: leave and rejoin", () => {
  it("Leave queues Dead{self, from self}, emits LocalStatus leaving and stops probing", () => {
    const d = cluster(["a", "b", "c"])
    d.advanceTo(3000)
    expect(d.pings().length).toBeGreaterThan(1)
    const mark = d.mark()
    d.input({ _tag: "Leave" })
    expect(localStatuses(d, mark)).toEqual([{ status: "leaving", cause: "leaving", incarnation: 1 }])
    expect(d.membershipQueue()).toContainEqual(dead(d.name, 1, d.name))
    expect(d.outputsOf("LeaveCompleted", mark)).toEqual([])
    d.advanceBy(20_000)
    expect(d.pings(mark)).toEqual([])
    expect(d.sent("IndirectPing", mark)).toEqual([])
  })

  it("LeaveCompleted once the announcement was sent retransmit-limit times (n = 4: 4 times)", () => {
    const d = cluster(["a", "b", "c"], { timings: { gossipNodes: 1, coverageFloor: false } })
    d.drainQueues()
    const mark = d.mark()
    d.input({ _tag: "Leave" })
    let sends = 0
    for (let round = 0; round < 10 && sends < 4; round++) {
      d.fire("GossipTick")
      sends = d.sent("Dead", mark).filter((s) => s.message.node === d.name).length
      if (sends < 4) expect(d.outputsOf("LeaveCompleted", mark)).toEqual([])
    }
    expect(sends).toBe(4)
    expect(d.outputsOf("LeaveCompleted", mark).length).toBe(1)
    expect(localStatuses(d, mark)).toEqual([
      { status: "leaving", cause: "leaving", incarnation: 1 },
      { status: "left", cause: "left", incarnation: 1 }
    ])
    expect(d.state.status).toBe("left")
  })

  it("alone in the cluster, Leave completes at once", () => {
    const d = new CoreDriver()
    const out = d.input({ _tag: "Leave" })
    expect(out.filter((o) => o._tag === "LeaveCompleted").length).toBe(1)
    expect(localStatuses(d).slice(1)).toEqual([
      { status: "leaving", cause: "leaving", incarnation: 1 },
      { status: "left", cause: "left", incarnation: 1 }
    ])
  })

  it("Join after a leave rejoins with a higher incarnation and probes again", () => {
    const d = cluster(["a", "b"], { timings: { gossipNodes: 1 } })
    d.input({ _tag: "Leave" })
    d.drainQueues()
    expect(d.state.status).toBe("left")
    const mark = d.mark()
    d.input({ _tag: "Join", seeds: [addressOf("a")] })
    expect(localStatuses(d, mark)).toEqual([{ status: "alive", cause: "rejoined", incarnation: 2 }])
    expect(d.member(d.name)).toMatchObject({ state: NodeState.Alive, incarnation: 2 })
    expect(d.membershipQueue().filter(isAliveOf(d.name))).toEqual([alive(d.name, 2, { address: d.address })])
    expect(d.outputsOf("PushPullStart", mark).map((s) => s.join)).toEqual([true])
    d.advanceBy(3000)
    expect(d.pings(mark).length).toBeGreaterThan(1)
  })

  it("a restarted node (fresh core, same name) that learns it is dead at incarnation i refutes with > i", () => {
    // the old process lived to incarnation 7 and was declared dead there
    const d = new CoreDriver({ seed: 77 })
    expect(d.member(d.name)?.incarnation).toBe(1)
    d.addMember("a")
    const mark = d.mark()
    d.receive("a", dead(d.name, 7, "a"))
    expect(localStatuses(d, mark)).toEqual([{ status: "alive", cause: "refuted", incarnation: 8 }])
    expect(d.membershipQueue().filter(isAliveOf(d.name))).toEqual([alive(d.name, 8, { address: d.address })])
  })

  it("a restarted node that learns through its join push/pull that it is dead at incarnation i refutes with > i", () => {
    const d = new CoreDriver({ seed: 78 })
    d.input({ _tag: "Join", seeds: [addressOf("seed")] })
    const [start] = d.outputsOf("PushPullStart")
    const mark = d.mark()
    d.input({
      _tag: "PushPullResponse",
      token: start!.token,
      states: [pushState("seed", NodeState.Alive, 1), { ...pushState(d.name, NodeState.Dead, 7), address: d.address }]
    })
    expect(d.member(d.name)).toMatchObject({ state: NodeState.Alive })
    expect(d.member(d.name)!.incarnation).toBeGreaterThan(7)
    // The seed is the first live peer, so this node is connected too.
    expect(localStatuses(d, mark).map((s) => s.cause)).toEqual(["refuted", "connected"])
  })
})

// ---------------------------------------------------------------- 8. bounded state

describe("rule 8: bounded state", () => {
  it("dead and left members are reaped at probe wrap after gossipToTheDeadTime, not before", () => {
    const d = cluster(["a", "b", "gone", "quit"])
    d.advanceTo(500)
    d.receive("a", dead("gone", 1, "a"), dead("quit", 1, "quit"))
    d.advanceTo(500 + d.config.gossipToTheDeadTime)
    expect(d.member("gone")?.state).toBe(NodeState.Dead)
    expect(d.member("quit")?.state).toBe(NodeState.Left)
    // probing has wrapped many times by now
    expect(d.pings().length).toBeGreaterThan(20)
    // the next wrap (two live members: every two ticks) reaps them
    d.advanceBy(3000)
    expect(d.member("gone")).toBeUndefined()
    expect(d.member("quit")).toBeUndefined()
    expect(d.state.probeOrder.map((m) => m.name).sort()).toEqual(["a", "b", d.name])
    expect(d.member("a")?.state).toBe(NodeState.Alive)
  })

  it("the membership queue never exceeds maxMembershipQueue", () => {
    const d = new CoreDriver({ timings: { maxMembershipQueue: 16 } })
    let deepest = 0
    for (const name of names("m", 100)) {
      d.addMember(name)
      deepest = Math.max(deepest, Core.queueDepths(d.state).membership)
      expect(Core.queueDepths(d.state).membership).toBeLessThanOrEqual(16)
    }
    expect(deepest).toBe(16)
    for (let i = 0; i < 50; i++) {
      d.receive("m1", suspect(`m${i}`, 1, "m1"))
      expect(Core.queueDepths(d.state).membership).toBeLessThanOrEqual(16)
    }
  })

  it("relayed pings in flight are capped (1024): beyond, requests are Dropped Rejected and not relayed", () => {
    const d = new CoreDriver()
    const request = (seqNo: number): PacketMessage => ({
      _tag: "IndirectPing",
      seqNo,
      target: addressOf("t"),
      node: "t",
      nack: true,
      source: { address: addressOf("req"), node: "req" }
    })
    for (let i = 0; i < 1024; i++) d.receive("req", request(i))
    expect(d.state.relays.size).toBe(1024)
    const mark = d.mark()
    const out = d.receive("req", request(5000))
    expect(out).toEqual([expect.objectContaining({ _tag: "Dropped", reason: "Rejected" })])
    expect(d.sentPackets(mark)).toEqual([])
    // once they time out there is room again
    d.advanceBy(d.config.probeTimeout)
    expect(d.state.relays.size).toBe(0)
    const again = d.mark()
    d.receive("req", request(5001))
    expect(d.sent("Ping", again).length).toBe(1)
  })
})

// ---------------------------------------------------------------- 9. events

describe("rule 9: events", () => {
  it("MemberJoined for a new member, with its address, incarnation, metadata and versions", () => {
    const d = new CoreDriver()
    const mark = d.mark()
    d.addMember("a", { incarnation: 3, meta: new Uint8Array([1, 2]), versions: versionsUpTo(4) })
    const joined = d.eventsOf("MemberJoined", mark)
    expect(joined.length).toBe(1)
    expect(joined[0]!.member).toMatchObject({
      name: "a",
      address: addressOf("a"),
      incarnation: 3,
      meta: new Uint8Array([1, 2]),
      state: NodeState.Alive,
      versions: versionsUpTo(4)
    })
    // hearing it again is no news
    d.addMember("a", { incarnation: 3, meta: new Uint8Array([1, 2]) })
    // MemberJoined, and (its first live peer) this node's `connected`; nothing for the repeat.
    expect(d.events(mark).map((e) => e._tag)).toEqual(["MemberJoined", "LocalStatus"])
  })

  it("MemberUpdated when another node changes its metadata with UpdateMetadata", () => {
    const other = new CoreDriver({ name: "other", seed: 2 })
    const d = new CoreDriver()
    other.addMember(d.name)
    d.addMember("other")
    other.drainQueues()
    const otherMark = other.mark()
    other.input({ _tag: "UpdateMetadata", meta: new Uint8Array([7, 7]) })
    expect(localStatuses(other, otherMark)).toEqual([{ status: "alive", cause: "metadata", incarnation: 2 }])
    other.fire("GossipTick")
    const packets = other.sentPackets(otherMark).filter((p) => p.toName === d.name)
    expect(packets.length).toBe(1)
    const mark = d.mark()
    d.receive(other.address, ...packets[0]!.messages)
    const updated = d.eventsOf("MemberUpdated", mark)
    expect(updated.length).toBe(1)
    expect(updated[0]!.member).toMatchObject({ name: "other", incarnation: 2, meta: new Uint8Array([7, 7]) })
    expect(d.eventsOf("MemberJoined", mark)).toEqual([])
  })

  it("MemberSuspected, MemberRecovered, MemberFailed and MemberLeft as a member's state changes", () => {
    const d = cluster(["a", "b", "c", "t"])
    const mark = d.mark()
    d.receive("a", suspect("t", 1, "a"))
    d.receive("t", alive("t", 2))
    d.receive("a", suspect("t", 2, "a"))
    d.advanceTo(d.latestTimer("SuspicionTimeout").at)
    d.receive("c", dead("c", 1, "c"))
    const events = d.events(mark).filter((e) => "member" in e).map((e) => `${e._tag}:${"member" in e ? e.member.name : ""}`)
    expect(events).toEqual([
      "MemberSuspected:t",
      "MemberRecovered:t",
      "MemberSuspected:t",
      "MemberFailed:t",
      "MemberLeft:c"
    ])
    const suspected = d.eventsOf("MemberSuspected", mark)
    expect(suspected.map((e) => e.from)).toEqual(["a", "a"])
    expect(d.eventsOf("MemberFailed", mark)[0]!.member).toMatchObject({ name: "t", state: NodeState.Dead, incarnation: 2 })
  })

  it("LocalStatus for self: started, metadata, refuted, leaving, left, rejoined", () => {
    const d = cluster(["a"], { timings: { gossipNodes: 1 } })
    d.input({ _tag: "UpdateMetadata", meta: new Uint8Array([1]) })
    d.receive("a", suspect(d.name, 2, "a"))
    d.input({ _tag: "Leave" })
    d.drainQueues()
    d.input({ _tag: "Join", seeds: [addressOf("a")] })
    expect(localStatuses(d)).toEqual([
      { status: "alive", cause: "started", incarnation: 1 },
      { status: "alive", cause: "connected", incarnation: 1 },
      { status: "alive", cause: "metadata", incarnation: 2 },
      { status: "alive", cause: "refuted", incarnation: 3 },
      { status: "leaving", cause: "leaving", incarnation: 3 },
      { status: "left", cause: "left", incarnation: 3 },
      { status: "alive", cause: "rejoined", incarnation: 4 }
    ])
  })
})
