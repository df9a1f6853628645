/**
 * What one received packet can make this node send elsewhere
 * (reflection.ts): at most four pings answered per packet, and an ack to a
 * source other than the packet's sender goes bare.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Address, PacketMessage } from "../../../src/internal/swim/messages.js"
import { maxPingsPerPacket } from "../../../src/internal/swim/reflection.js"
import { addressOf, CoreDriver } from "./driver.js"

const victim: Address = { host: "192.0.2.7", port: 7946 }

const forgedPing = (seqNo: number, source: Address): PacketMessage => ({
  _tag: "Ping",
  seqNo,
  node: "self",
  source: { address: source, node: "someone" }
})

describe("reflection", () => {
  it("a compound of 255 pings with a forged source: 4 acks to the third party, the rest dropped and counted", () => {
    const d = new CoreDriver({ seed: 2 })
    d.addMembers(["a", "b"])
    const mark = d.mark()
    d.receive("attacker", ...Array.from({ length: 255 }, (_, i) => forgedPing(i, victim)))
    const toVictim = d.sentPackets(mark).filter((p) => p.to.host === victim.host)
    expect(toVictim.length).toBe(maxPingsPerPacket)
    // bare: an ack and nothing piggybacked
    for (const p of toVictim) expect(p.messages.map((m) => m._tag)).toEqual(["Ack"])
    const dropped = d.outputsOf("Dropped", mark).filter((o) => o.reason === "Rejected")
    expect(dropped.reduce((n, o) => n + (o.count ?? 1), 0)).toBe(255 - maxPingsPerPacket)
  })

  it("a compound of indirect pings: at most 4 relayed pings go out", () => {
    const d = new CoreDriver({ seed: 2 })
    const mark = d.mark()
    const requests: Array<PacketMessage> = Array.from({ length: 100 }, (_, i) => ({
      _tag: "IndirectPing",
      seqNo: i,
      target: victim,
      node: "v",
      nack: true,
      source: { address: addressOf("attacker"), node: "attacker" }
    }))
    d.receive("attacker", ...requests)
    expect(d.sentPackets(mark).filter((p) => p.to.host === victim.host).length).toBe(maxPingsPerPacket)
  })

  it("an honest ping is acked to its sender with gossip piggybacked, as before", () => {
    const d = new CoreDriver({ seed: 2 })
    d.addMembers(["a", "b"])
    const mark = d.mark()
    d.receive("a", forgedPing(1, addressOf("a")))
    const acks = d.sentPackets(mark).filter((p) => p.toName === "a" && p.messages.some((m) => m._tag === "Ack"))
    expect(acks.length).toBe(1)
    expect(acks[0]!.messages.length).toBeGreaterThan(1)
  })
})
