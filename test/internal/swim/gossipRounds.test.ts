/**
 * The gossip round's timer (gossipRounds.ts), on virtual time: a member with
 * nothing queued sets no gossip rounds (its probes go on), and the first
 * thing queued sets the next round on the grid the rounds had, one interval
 * or less away, after which the rounds run until the queues are empty again.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Core from "../../../src/internal/swim/core.js"
import type { Output } from "../../../src/internal/swim/io.js"
import { CoreDriver } from "./driver.js"

const gossipTimers = (d: CoreDriver, since: number) =>
  d.outputsOf("SetTimer", since).filter((o) => o.timer._tag === "GossipTick")

/** A started member of `n` others, every one answering pings, with its queues drained and the rounds parked. */
const idle = (n: number, seed = 3) => {
  const d = new CoreDriver({ seed })
  const others = Array.from({ length: n }, (_, i) => `m${i}`)
  d.addMembers(others)
  for (const name of others) d.responders.add(name)
  d.drainQueues()
  // The round after the one that emptied the queues finds nothing and parks.
  d.advanceBy(d.config.gossipInterval)
  expect(d.state.gossipParkedAt).toBeDefined()
  return d
}

const userPackets = (outputs: ReadonlyArray<Output>) =>
  outputs.filter((o) => o._tag === "SendPacket" && o.messages.some((m) => m._tag === "User"))

describe("gossip rounds", () => {
  it("an idle member sets no gossip round in 60 s of virtual time and sends nothing but its probes and acks", () => {
    const d = idle(5)
    const mark = d.mark()
    d.advanceBy(60_000)
    expect(gossipTimers(d, mark)).toEqual([])
    const probes = d.pings(mark).length
    // One probe a second, as before: parking the rounds leaves probing alone.
    expect(probes).toBeGreaterThanOrEqual(59)
    expect(probes).toBeLessThanOrEqual(61)
    for (const p of d.sentPackets(mark)) for (const m of p.messages) expect(m._tag).toBe("Ping")
    expect(Core.queueDepths(d.state)).toMatchObject({ membership: 0, user: 0 })
  })

  it("a broadcast wakes the rounds at the next point of the parked grid, and they park again once it is spread", () => {
    const d = idle(5)
    const parkedAt = d.state.gossipParkedAt!
    const interval = d.config.gossipInterval
    // Some time later, off the grid.
    d.advanceBy(3 * interval + 37)
    const mark = d.mark()
    d.input({ _tag: "Broadcast", payload: new Uint8Array([1, 2, 3]) })
    const [set] = gossipTimers(d, mark)
    expect(set).toBeDefined()
    expect((set!.at - parkedAt) % interval).toBe(0)
    expect(set!.at).toBeGreaterThan(d.now)
    expect(set!.at - d.now).toBeLessThanOrEqual(interval)
    expect(d.state.gossipParkedAt).toBeUndefined()

    // The broadcast goes out at that round, not before.
    expect(userPackets(d.outputs(mark))).toEqual([])
    d.advanceTo(set!.at)
    expect(userPackets(d.outputs(mark)).length).toBeGreaterThan(0)

    // Spread its retransmit limit, then parked again, on the same grid.
    d.advanceBy(100 * interval)
    expect(Core.queueDepths(d.state).user).toBe(0)
    const again = d.state.gossipParkedAt
    expect(again).toBeDefined()
    expect((again! - parkedAt) % interval).toBe(0)
  })

  it("a broadcast input exactly on a grid point waits for the next one: the round due then ran first and found nothing", () => {
    const d = idle(3)
    const parkedAt = d.state.gossipParkedAt!
    const interval = d.config.gossipInterval
    d.advanceTo(parkedAt + 2 * interval)
    const mark = d.mark()
    d.input({ _tag: "Broadcast", payload: new Uint8Array([9]) })
    expect(gossipTimers(d, mark).map((t) => t.at)).toEqual([parkedAt + 3 * interval])
  })

  it("a leave while parked is spread by the rounds and completes", () => {
    const d = idle(4)
    const mark = d.mark()
    d.input({ _tag: "Leave" })
    expect(gossipTimers(d, mark).length).toBe(1)
    d.advanceBy(200 * d.config.gossipInterval)
    expect(d.outputsOf("LeaveCompleted", mark).length).toBe(1)
  })

  it("a stale round (set before a restart) does nothing", () => {
    const d = idle(2)
    const before = Core.snapshot(d.state)
    d.input({ _tag: "TimerFired", timer: { _tag: "GossipTick", token: -1 } })
    expect(Core.snapshot(d.state)).toEqual(before)
  })
})
