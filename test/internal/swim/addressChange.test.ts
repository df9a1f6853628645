import { describe, expect, it } from "@effect/vitest"
import { maxPendingClaims } from "../../../src/internal/swim/addressChange.js"
import * as Core from "../../../src/internal/swim/core.js"
import type { Address } from "../../../src/internal/swim/messages.js"
import { sameAddress } from "../../../src/internal/swim/messages.js"
import { addressOf, alive, CoreDriver, dead, type DriverOptions, NodeState } from "./driver.js"

const elsewhere: Address = { host: "10.9.9.9", port: 8000 }

/** A node that knows `others` alive; the `responsive` ones answer pings at their first address. */
const cluster = (others: ReadonlyArray<string>, responsive: ReadonlyArray<string>, options: DriverOptions = {}) => {
  const d = new CoreDriver(options)
  d.addMembers(others)
  for (const n of responsive) d.responders.add(n)
  return d
}

/** The pings the node sent to `to` for `node` since `mark`. */
const pingsTo = (d: CoreDriver, to: Address, node: string, mark: number) =>
  d.sent("Ping", mark).filter((p) => sameAddress(p.packet.to, to) && p.message.node === node).map((p) => p.message)

/** Answers, from `at`, every ping `d` sent there for `node` since `mark`. */
const answerFrom = (d: CoreDriver, at: Address, node: string, mark: number): void => {
  for (const ping of pingsTo(d, at, node, mark)) d.receive(at, { _tag: "Ack", seqNo: ping.seqNo, payload: new Uint8Array(0) })
}

/** `name` is claimed at `elsewhere` with `incarnation`, the claimant answers there, and one probe interval passes. */
const claimAnswered = (d: CoreDriver, name: string, incarnation: number): number => {
  const mark = d.mark()
  d.receive(elsewhere, alive(name, incarnation, { address: elsewhere }))
  answerFrom(d, elsewhere, name, mark)
  d.advanceBy(d.config.probeInterval)
  return mark
}

describe("a member's name claimed from a new address", () => {
  it("the old address answers: the member keeps its name, one NameConflict, the member is told, a repeat claim is ignored", () => {
    const d = cluster(["a", "c"], ["a", "c"])
    d.advanceTo(5000)
    const mark = d.mark()
    d.receive(elsewhere, alive("c", 9, { address: elsewhere }))
    // Both addresses are pinged, naming c; c answers at once at its own.
    expect(pingsTo(d, addressOf("c"), "c", mark).length).toBe(1)
    expect(pingsTo(d, elsewhere, "c", mark).length).toBe(1)
    const conflicts = d.eventsOf("NameConflict", mark)
    expect(conflicts.map((e) => [e.existing.name, e.existing.address, e.claimant])).toEqual([["c", addressOf("c"), elsewhere]])
    expect(d.member("c")).toMatchObject({ state: NodeState.Alive, address: addressOf("c"), incarnation: 1 })
    // The claim goes to c itself, which refutes it.
    const told = d.sent("Alive", mark).filter((s) => sameAddress(s.packet.to, addressOf("c")) && s.message.node === "c")
    expect(told.map((s) => s.message.address)).toEqual([elsewhere])

    const again = d.mark()
    d.receive(elsewhere, alive("c", 12, { address: elsewhere }))
    d.advanceBy(5 * d.config.probeInterval)
    expect(pingsTo(d, elsewhere, "c", again)).toEqual([])
    expect(d.eventsOf("NameConflict", again)).toEqual([])
    expect(d.member("c")!.address).toEqual(addressOf("c"))

    // Once c is held dead, the refused claimant is worth a check again. (c falls silent first: a dead
    // about a member we heard from within the min suspicion timeout is only a suspicion, inTouch.ts.)
    d.responders.delete("c")
    d.advanceBy(5 * d.config.probeInterval)
    d.receive("a", dead("c", 1, "a"))
    const afterDeath = d.mark()
    d.receive(elsewhere, alive("c", 13, { address: elsewhere }))
    expect(pingsTo(d, elsewhere, "c", afterDeath).length).toBe(1)
  })

  it("the old address is silent for a whole probe and the new one answers: the name moves at the probe's end and is gossiped", () => {
    const d = cluster(["a", "b", "c"], ["a", "b"])
    const claimedAt = d.now
    const mark = d.mark()
    d.receive(elsewhere, alive("c", 4, { address: elsewhere }))
    const check = pingsTo(d, addressOf("c"), "c", mark)[0]!
    answerFrom(d, elsewhere, "c", mark)
    // The claimant raises its incarnation during the check: the same check takes the higher one.
    d.receive(elsewhere, alive("c", 6, { address: elsewhere }))
    expect(pingsTo(d, elsewhere, "c", mark).length).toBe(1)
    // At the probe timeout the old address is pinged again, directly and through relays.
    d.advanceTo(claimedAt + d.config.probeTimeout)
    expect(pingsTo(d, addressOf("c"), "c", mark).filter((p) => p.seqNo === check.seqNo).length).toBe(2)
    const relayed = d.sent("IndirectPing", mark).filter((s) => s.message.node === "c")
    expect(relayed.length).toBe(2)
    expect(relayed.every((s) => sameAddress(s.message.target, addressOf("c")))).toBe(true)
    expect(d.member("c")!.address).toEqual(addressOf("c"))

    d.advanceTo(claimedAt + d.config.probeInterval)
    expect(d.member("c")).toMatchObject({ state: NodeState.Alive, address: elsewhere, incarnation: 6 })
    const updated = d.eventsOf("MemberUpdated", mark)
    expect(updated.map((e) => [e.member.address, e.previousAddress])).toEqual([[elsewhere, addressOf("c")]])
    expect(d.eventsOf("NameConflict", mark)).toEqual([])
    expect(d.membershipQueue().some((m) => m._tag === "Alive" && m.node === "c" && sameAddress(m.address, elsewhere))).toBe(true)
    // Packets from the new address are c's now; the old address is no one's.
    expect(d.state.byAddress.get("10.9.9.9:8000")?.name).toBe("c")
  })

  it("an answer at the old address through a relay keeps the name there", () => {
    const d = cluster(["a", "b", "c"], ["a", "b"])
    const mark = d.mark()
    d.receive(elsewhere, alive("c", 4, { address: elsewhere }))
    answerFrom(d, elsewhere, "c", mark)
    d.advanceBy(d.config.probeTimeout)
    const relayed = d.sent("IndirectPing", mark)[0]!
    d.receive(relayed.packet.to, { _tag: "Ack", seqNo: relayed.message.seqNo, payload: new Uint8Array(0) })
    d.advanceBy(d.config.probeInterval)
    expect(d.member("c")!.address).toEqual(addressOf("c"))
    expect(d.eventsOf("NameConflict", mark).length).toBe(1)
  })

  it("no answer at the new address, or an answer from elsewhere: the claim is dropped and nothing changes", () => {
    const d = cluster(["a", "c"], ["a"])
    const mark = d.mark()
    d.receive(elsewhere, alive("c", 4, { address: elsewhere }))
    // The right sequence number from the wrong address does not count.
    for (const ping of pingsTo(d, elsewhere, "c", mark)) d.receive("a", { _tag: "Ack", seqNo: ping.seqNo, payload: new Uint8Array(0) })
    d.advanceBy(d.config.probeInterval)
    expect(d.member("c")!.address).toEqual(addressOf("c"))
    expect(d.outputsOf("Dropped", mark).map((o) => o.detail)).toContainEqual(expect.stringContaining("no answer there"))
    expect(d.eventsOf("MemberUpdated", mark)).toEqual([])
  })

  it("a claim at or below the live member's incarnation is stale: no check", () => {
    const d = cluster(["a", "c"], ["a", "c"])
    d.addMember("c", { incarnation: 5 })
    const mark = d.mark()
    d.receive(elsewhere, alive("c", 5, { address: elsewhere }))
    expect(pingsTo(d, elsewhere, "c", mark)).toEqual([])
    expect(d.events(mark)).toEqual([])
  })

  it("a forged leave then a forged alive elsewhere: the member still answers, so its address never moves", () => {
    const d = cluster(["a", "c"], ["a", "c"])
    d.advanceTo(3000)
    const mark = d.mark()
    d.receive(elsewhere, dead("c", 1, "c"))
    expect(d.member("c")!.state).toBe(NodeState.Left)
    d.receive(elsewhere, alive("c", 1, { address: elsewhere }))
    answerFrom(d, elsewhere, "c", mark)
    d.advanceBy(3 * d.config.probeInterval)
    expect(d.member("c")!.address).toEqual(addressOf("c"))
    expect(d.eventsOf("NameConflict", mark).length).toBe(1)
    // c's refutation brings it back where it was.
    d.receive("c", alive("c", 2))
    expect(d.member("c")).toMatchObject({ state: NodeState.Alive, address: addressOf("c"), incarnation: 2 })
  })

  it("a member that left and restarts elsewhere at a low incarnation takes its name back after the check (memberlist's reclaim)", () => {
    const d = cluster(["a", "c"], ["a"])
    d.addMember("c", { incarnation: 7 })
    d.receive("c", dead("c", 7, "c"))
    const mark = claimAnswered(d, "c", 1)
    expect(d.member("c")).toMatchObject({ state: NodeState.Alive, address: elsewhere, incarnation: 1 })
    expect(d.eventsOf("MemberJoined", mark).map((e) => e.member.address)).toEqual([elsewhere])
  })

  it("a dead member's name needs a higher incarnation, unless it has been dead longer than deadNodeReclaimTime", () => {
    const strict = cluster(["a", "c"], ["a"])
    strict.addMember("c", { incarnation: 3 })
    strict.receive("a", dead("c", 3, "a"))
    const mark = strict.mark()
    strict.receive(elsewhere, alive("c", 1, { address: elsewhere }))
    expect(pingsTo(strict, elsewhere, "c", mark)).toEqual([])
    claimAnswered(strict, "c", 4)
    expect(strict.member("c")).toMatchObject({ state: NodeState.Alive, address: elsewhere, incarnation: 4 })

    const reclaiming = cluster(["a", "c"], ["a"], { timings: { deadNodeReclaimTime: 10_000 } })
    reclaiming.addMember("c", { incarnation: 3 })
    reclaiming.receive("a", dead("c", 3, "a"))
    reclaiming.advanceBy(10_001)
    claimAnswered(reclaiming, "c", 1)
    expect(reclaiming.member("c")).toMatchObject({ state: NodeState.Alive, address: elsewhere, incarnation: 1 })
  })

  it("a member that lost its name through a missed probe takes it back with its refutation, and the taker is refused from then on", () => {
    const d = cluster(["a", "b", "c"], ["a", "b"])
    const mark = claimAnswered(d, "c", 4)
    expect(d.member("c")!.address).toEqual(elsewhere)
    // c answers again and refutes at its own address; the address it was taken to answers for it too.
    d.responders.add("c")
    const back = d.mark()
    d.receive("c", alive("c", 5))
    answerFrom(d, elsewhere, "c", back)
    expect(d.member("c")!.address).toEqual(elsewhere)
    d.advanceBy(d.config.probeInterval)
    expect(d.member("c")).toMatchObject({ state: NodeState.Alive, address: addressOf("c"), incarnation: 5 })
    expect(d.eventsOf("MemberUpdated", mark).map((e) => [e.member.address, e.previousAddress])).toEqual([
      [elsewhere, addressOf("c")],
      [addressOf("c"), elsewhere]
    ])
    const again = d.mark()
    d.receive(elsewhere, alive("c", 50, { address: elsewhere }))
    expect(pingsTo(d, elsewhere, "c", again)).toEqual([])
    d.advanceBy(3 * d.config.probeInterval)
    expect(d.member("c")!.address).toEqual(addressOf("c"))
  })

  it("at most maxPendingClaims checks at once; a claim beyond is Dropped and changes nothing", () => {
    const names = Array.from({ length: maxPendingClaims + 1 }, (_, i) => `m${i}`)
    const d = cluster(names, [])
    const mark = d.mark()
    names.forEach((name, i) => d.receive(elsewhere, alive(name, 2, { address: { host: "10.9.9.9", port: 9000 + i } })))
    expect(d.state.addressClaims.pending.size).toBe(maxPendingClaims)
    expect(d.outputsOf("Dropped", mark).filter((o) => o.detail.includes("checks in progress")).length).toBe(1)
  })

  it("an address change keeps a check in flight from moving the member twice, and a stale timer changes nothing", () => {
    const d = cluster(["a", "c"], ["a"])
    const mark = d.mark()
    d.receive(elsewhere, alive("c", 4, { address: elsewhere }))
    const other = { host: "10.8.8.8", port: 8000 }
    d.receive(other, alive("c", 6, { address: other }))
    expect(pingsTo(d, other, "c", mark)).toEqual([])
    answerFrom(d, elsewhere, "c", mark)
    d.advanceBy(d.config.probeInterval)
    expect(d.member("c")!.address).toEqual(elsewhere)
    const before = Core.snapshot(d.state)
    d.input({ _tag: "TimerFired", timer: { _tag: "AddressClaimTimeout", node: "c", token: 1 } })
    expect(Core.snapshot(d.state)).toEqual(before)
  })
})

describe("this node hears itself claimed at another address", () => {
  it("refutes once per address; the same address above the refutation is reported once, without another refutation", () => {
    const d = cluster(["a"], ["a"])
    let mark = d.mark()
    d.receive("a", alive(d.name, 3, { address: elsewhere }))
    const self = d.member(d.name)!
    expect(self.incarnation).toBe(4)
    expect(self.address).toEqual(d.address)
    expect(d.eventsOf("LocalStatus", mark).map((e) => e.cause)).toEqual(["refuted"])

    mark = d.mark()
    d.receive("a", alive(d.name, 2, { address: elsewhere }))
    expect(d.events(mark)).toEqual([])

    d.receive("a", alive(d.name, 4, { address: elsewhere }))
    d.receive("a", alive(d.name, 9, { address: elsewhere }))
    expect(d.eventsOf("NameConflict", mark).map((e) => [e.existing.name, e.claimant])).toEqual([[d.name, elsewhere]])
    expect(d.eventsOf("LocalStatus", mark)).toEqual([])
    expect(d.member(d.name)!.incarnation).toBe(4)
  })
})
