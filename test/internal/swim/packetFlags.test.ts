/**
 * The flags on every SendPacket: `crc` (frame it with a CRC: the peer is a
 * member we know that speaks protocol 5) and `probe` (a probe this node
 * started, which the shell counts).
 */
import { describe, expect, it } from "@effect/vitest"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"
import { addressOf, CoreDriver, dead, NodeState, probeUntil, suspect, versionsUpTo } from "./driver.js"

const names = (prefix: string, n: number): Array<string> => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

const indirectPing = (requester: string, target: string, seqNo: number): PacketMessage => ({
  _tag: "IndirectPing",
  seqNo,
  target: addressOf(target),
  node: target,
  nack: true,
  source: { address: addressOf(requester), node: requester }
})

describe("crc flag", () => {
  it("is set on packets to a member speaking protocol 5, and only to it", () => {
    const d = new CoreDriver()
    d.addMember("new", { versions: versionsUpTo(5) })
    d.addMember("old", { versions: versionsUpTo(4) })
    d.responders.add("new").add("old")
    const mark = d.mark()
    probeUntil(d, "new")
    probeUntil(d, "old")
    d.receive("new", { _tag: "Ping", seqNo: 1, node: d.name })
    d.receive("old", { _tag: "Ping", seqNo: 2, node: d.name })
    d.advanceBy(5000) // gossip rounds too
    const packets = d.sentPackets(mark)
    const toNew = packets.filter((p) => p.toName === "new")
    const toOld = packets.filter((p) => p.toName === "old")
    // pings, acks and gossip alike
    expect(new Set(toNew.map((p) => p.messages[0]!._tag))).toEqual(new Set(["Ping", "Ack", "Alive"]))
    expect(new Set(toOld.map((p) => p.messages[0]!._tag))).toEqual(new Set(["Ping", "Ack", "Alive"]))
    for (const p of toNew) expect(p.crc).toBe(true)
    for (const p of toOld) expect(p.crc).toBe(false)
  })

  it("follows the member's versions as they change", () => {
    const d = new CoreDriver()
    d.addMember("m", { versions: versionsUpTo(4) })
    let mark = d.mark()
    d.receive("m", { _tag: "Ping", seqNo: 1, node: d.name })
    expect(d.sentPackets(mark).map((p) => p.crc)).toEqual([false])
    d.addMember("m", { incarnation: 2, versions: versionsUpTo(5) })
    mark = d.mark()
    d.receive("m", { _tag: "Ping", seqNo: 2, node: d.name })
    expect(d.sentPackets(mark).map((p) => p.crc)).toEqual([true])
  })

  it("is kept for a member we hold dead (it is still known; memberlist looks it up whatever its state)", () => {
    const d = new CoreDriver()
    d.addMembers(["a", "gone"], { versions: versionsUpTo(5) })
    d.receive("a", dead("gone", 1, "a"))
    expect(d.member("gone")?.state).toBe(NodeState.Dead)
    const mark = d.mark()
    d.receive("gone", { _tag: "Ping", seqNo: 3, node: d.name })
    const acks = d.sentPackets(mark).filter((p) => p.toName === "gone")
    expect(acks.length).toBe(1)
    expect(acks[0]!.crc).toBe(true)
  })

  it("is never set towards an address no member has", () => {
    const d = new CoreDriver()
    d.addMember("req", { versions: versionsUpTo(5) })
    const stranger = { host: "10.200.0.1", port: 7946 }
    const mark = d.mark()
    // an ack to a stranger's ping, and a ping relayed to a target we do not know
    d.receive(stranger, { _tag: "Ping", seqNo: 4, node: d.name })
    d.receive("req", indirectPing("req", "unknown-target", 9))
    const packets = d.sentPackets(mark)
    const toStranger = packets.filter((p) => p.to.host === stranger.host)
    const toTarget = packets.filter((p) => p.toName === "unknown-target")
    expect(toStranger.length).toBe(1)
    expect(toTarget.length).toBe(1)
    expect(toStranger[0]!.crc).toBe(false)
    expect(toTarget[0]!.crc).toBe(false)
  })
})

describe("probe flag", () => {
  it("is set on the direct probe of probeTick and on nothing else this node sends", () => {
    const d = new CoreDriver({ seed: 11 })
    const others = names("m", 5)
    d.addMembers(others)
    for (const n of others.slice(1)) d.responders.add(n) // m0 never answers: indirect probes follow
    const mark = d.mark()
    d.receive("m1", { _tag: "Ping", seqNo: 1, node: d.name })
    d.advanceBy(10_000)
    const packets = d.sentPackets(mark)
    const probes = packets.filter((p) => p.probe)
    const pings = packets.filter((p) => p.messages[0]?._tag === "Ping")
    // probes go out at probe ticks (the round robin's, and the verification of m0 once suspected),
    // each a packet led by our ping of its destination
    expect(probes.length).toBeGreaterThanOrEqual(4)
    const ticks = d.timersSet("ProbeTick", mark).map((t) => t.setAt)
    expect([...new Set(probes.map((p) => p.at))]).toEqual(ticks)
    for (const p of probes) expect(p.messages[0]).toMatchObject({ _tag: "Ping", node: p.toName })
    // the only other pings repeat a probe's direct ping at its probe timeout: the same probe, unflagged
    const seqNo = (p: { readonly messages: ReadonlyArray<PacketMessage> }) => (p.messages[0] as { readonly seqNo: number }).seqNo
    const repeats = pings.filter((p) => !p.probe)
    expect(repeats.length).toBeGreaterThan(0)
    for (const r of repeats) expect(probes.some((p) => p.toName === r.toName && seqNo(p) === seqNo(r))).toBe(true)
    // acks, indirect ping requests and gossip went out, unflagged
    const unflagged = packets.filter((p) => !p.probe).map((p) => p.messages[0]!._tag)
    expect(unflagged).toContain("Ack")
    expect(unflagged).toContain("IndirectPing")
    expect(unflagged).toContain("Alive")
  })

  it("is set on the ping that verifies someone else's suspicion, sent besides the round robin's probe", () => {
    const d = new CoreDriver({ seed: 4 })
    d.addMembers(names("m", 12))
    d.addMember("t")
    d.responders.add("t")
    d.receive("m0", suspect("t", 1, "m0"))
    expect(d.state.suspicions.get("t")?.verifications).toBe(0)
    const mark = d.mark()
    // the first verification falls within a third of the min timeout
    d.advanceBy(Math.floor(d.state.suspicions.get("t")!.min / 3) + 1000)
    expect(d.state.suspicions.get("t")?.verifications).toBe(1)
    // pings sent at probe ticks (not the repeats at a probe's timeout)
    const ticks = d.timersSet("ProbeTick", mark).map((t) => t.setAt)
    const pings = d.sentPackets(mark).filter((p) => p.messages[0]?._tag === "Ping" && ticks.includes(p.at))
    expect(pings.filter((p) => p.toName === "t").length).toBeGreaterThanOrEqual(1)
    // the round robin went on, a probe every tick besides the verification, all flagged
    expect(pings.length).toBeGreaterThan(ticks.length)
    for (const at of ticks) expect(pings.some((p) => p.at === at)).toBe(true)
    for (const p of pings) expect(p.probe).toBe(true)
  })

  it("is not set on a ping relayed for someone else's indirect probe", () => {
    const d = new CoreDriver()
    d.addMembers(["req", "t"])
    const mark = d.mark()
    d.receive("req", indirectPing("req", "t", 77))
    const relayed = d.sentPackets(mark)
    expect(relayed.length).toBe(1)
    expect(relayed[0]!.messages[0]).toMatchObject({ _tag: "Ping", node: "t" })
    expect(relayed[0]!.probe).toBe(false)
    // nor on the ack passed back
    const seqNo = (relayed[0]!.messages[0] as Extract<PacketMessage, { _tag: "Ping" }>).seqNo
    const back = d.mark()
    d.receive("t", { _tag: "Ack", seqNo, payload: new Uint8Array(0) })
    expect(d.sentPackets(back).map((p) => [p.toName, p.messages[0]!._tag, p.probe])).toEqual([["req", "Ack", false]])
  })
})
