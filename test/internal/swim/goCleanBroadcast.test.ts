/**
 * User broadcasts encoded per destination, in the one gossip path: members
 * that advertise our envelope (delegate maximum >= 1) get it; members that
 * do not (Go memberlist, 0..0) get the plain bytes from the origin alone,
 * once each — exactly what a Go broadcaster sends — and never a relayed copy.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Address } from "../../../src/internal/swim/messages.js"
import { decodeEnvelope, encodeEnvelope } from "../../../src/internal/swim/userBroadcast.js"
import { addressOf, CoreDriver, goVersions, type SentPacket } from "./driver.js"

const body = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x7d]) // {"a"}

/** The user payloads each member was sent since `mark`, by name. */
const userPayloads = (packets: ReadonlyArray<SentPacket>): Map<string, Array<Uint8Array>> => {
  const by = new Map<string, Array<Uint8Array>>()
  for (const p of packets) {
    for (const m of p.messages) {
      if (m._tag !== "User") continue
      by.set(p.toName, [...(by.get(p.toName) ?? []), m.payload])
    }
  }
  return by
}

const mixed = () => {
  const d = new CoreDriver()
  d.addMembers(["t1", "t2"])
  d.addMembers(["g1", "g2"], { versions: goVersions })
  for (const name of ["t1", "t2", "g1", "g2"]) d.responders.add(name)
  d.drainQueues()
  return d
}

describe("a broadcast in a mixed cluster", () => {
  it("reaches each Go member once, byte for byte as broadcast, and our members only in the envelope", () => {
    const d = mixed()
    const mark = d.mark()
    d.input({ _tag: "Broadcast", payload: body })
    d.drainQueues()
    const got = userPayloads(d.sentPackets(mark))
    for (const g of ["g1", "g2"]) expect(got.get(g)).toEqual([body])
    for (const t of ["t1", "t2"]) {
      const payloads = got.get(t) ?? []
      expect(payloads.length).toBeGreaterThan(0)
      for (const p of payloads) expect(decodeEnvelope(p)).toEqual({ origin: "self", seq: 1, key: undefined, body })
    }
  })

  it("a keyed broadcast reaches Go members as its plain bytes too (the key is ours alone)", () => {
    const d = mixed()
    const mark = d.mark()
    d.input({ _tag: "Broadcast", payload: body, key: "config" })
    d.drainQueues()
    const got = userPayloads(d.sentPackets(mark))
    expect(got.get("g1")).toEqual([body])
    expect(decodeEnvelope(got.get("t1")![0]!)?.key).toBe("config")
  })

  it("a broadcast we relay goes to our members only: a Go member hears it from its origin, not from us", () => {
    const d = mixed()
    const mark = d.mark()
    d.receive("t1", { _tag: "User", payload: encodeEnvelope("t1", 9, body) })
    expect(d.outputsOf("UserMessage", mark).map((o) => o.origin)).toEqual(["t1"])
    d.drainQueues()
    const got = userPayloads(d.sentPackets(mark))
    expect(got.has("g1")).toBe(false)
    expect(got.has("g2")).toBe(false)
    expect((got.get("t2") ?? []).every((p) => decodeEnvelope(p)?.origin === "t1")).toBe(true)
    expect(got.get("t2")?.length).toBeGreaterThan(0)
  })

  it("with only Go members, none gets one twice, and a member that has it counts as a send, so the queue drains", () => {
    const d = new CoreDriver({ timings: { gossipNodes: 1 } })
    const gos = ["g1", "g2", "g3", "g4", "g5"]
    d.addMembers(gos, { versions: goVersions })
    for (const g of gos) d.responders.add(g)
    d.drainQueues()
    const mark = d.mark()
    for (let i = 0; i < 20; i++) d.input({ _tag: "Broadcast", payload: new Uint8Array([i]) })
    d.drainQueues()
    const got = userPayloads(d.sentPackets(mark))
    let copies = 0
    for (const g of gos) {
      const values = (got.get(g) ?? []).map((p) => p[0]!)
      expect(new Set(values).size).toBe(values.length)
      copies += values.length
    }
    // As from a Go broadcaster, the transmit limit (11 here) is spent on random members, some of whom
    // had it already: most copies arrive, none twice.
    expect(copies).toBeGreaterThan(20 * 5 * 0.8)
    expect(copies).toBeLessThanOrEqual(20 * 5)
  })

  it("an address that is no member gets no broadcast at all: it may read either form", () => {
    const d = mixed()
    d.input({ _tag: "Broadcast", payload: body })
    const stranger: Address = addressOf("stranger")
    const out = d.receive(stranger, { _tag: "Ping", seqNo: 1, node: "self" })
    const toStranger = out.filter((o) => o._tag === "SendPacket")
    expect(toStranger.length).toBe(1)
    expect(toStranger.flatMap((o) => (o._tag === "SendPacket" ? o.messages.map((m) => m._tag) : []))).toEqual(["Ack"])
  })
})
