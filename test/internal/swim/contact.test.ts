import { describe, expect, it } from "@effect/vitest"
import { defaultVersions, lanTimings } from "../../../src/internal/swim/config.js"
import * as Core from "../../../src/internal/swim/core.js"
import type { Input, Output } from "../../../src/internal/swim/io.js"
import { type Address, NodeState } from "../../../src/internal/swim/messages.js"

const self: Address = { host: "10.0.0.1", port: 7946 }
const peer: Address = { host: "10.0.0.2", port: 7946 }
const other: Address = { host: "10.0.0.3", port: 7946 }

/** Times after the peer has been silent for longer than any min suspicion timeout. */
const at = (t: number): number => 60_000 + t

const setup = () => {
  const state = Core.make({
    config: { ...lanTimings, name: "self", address: self, meta: new Uint8Array(0), versions: defaultVersions },
    seed: 3
  })
  const step = (input: Input, now: number): Array<Output> => Core.step(state, input, now)
  step({ _tag: "Start" }, 0)
  const alive = { _tag: "Alive", incarnation: 1, node: "peer", address: peer, meta: new Uint8Array(0), versions: defaultVersions } as const
  step({ _tag: "Received", from: peer, messages: [alive], via: "packet" }, 10)
  // After the min suspicion timeout of silence: a dead about a member heard from lately is only a suspicion (inTouch.ts).
  step({ _tag: "Received", from: other, messages: [{ _tag: "Dead", incarnation: 1, node: "peer", from: "other" }], via: "packet" }, at(0))
  expect(Core.member(state, "peer")?.state).toBe(NodeState.Dead)
  return { state, step }
}

const ping = { _tag: "Ping", seqNo: 9, node: "self" } as const

describe("a packet from a member held dead", () => {
  it("starts one push/pull with it, then no more for ten probe intervals", () => {
    const { step } = setup()
    const first = step({ _tag: "Received", from: peer, messages: [ping], via: "packet" }, at(1000))
    const pushPulls = first.filter((o) => o._tag === "PushPullStart")
    expect(pushPulls).toHaveLength(1)
    expect(pushPulls[0]).toMatchObject({ to: peer, join: false })
    const again = step({ _tag: "Received", from: peer, messages: [ping], via: "packet" }, at(1000 + 9 * lanTimings.probeInterval))
    expect(again.some((o) => o._tag === "PushPullStart")).toBe(false)
    const later = step({ _tag: "Received", from: peer, messages: [ping], via: "packet" }, at(1000 + 10 * lanTimings.probeInterval))
    expect(later.some((o) => o._tag === "PushPullStart")).toBe(true)
  })

  it("does nothing when the same packet carries its refutation, or when the packet is malformed", () => {
    const { state, step } = setup()
    const refutation = { _tag: "Alive", incarnation: 2, node: "peer", address: peer, meta: new Uint8Array(0), versions: defaultVersions } as const
    const outputs = step({ _tag: "Received", from: peer, messages: [refutation, ping], via: "packet" }, at(1000))
    expect(outputs.some((o) => o._tag === "PushPullStart")).toBe(false)
    expect(Core.member(state, "peer")?.state).toBe(NodeState.Alive)

    const other = setup()
    const junk = other.step({ _tag: "Received", from: peer, messages: [{ _tag: "Ping", seqNo: -1, node: "self" }], via: "packet" }, at(1000))
    expect(junk.map((o) => o._tag)).toEqual(["Dropped"])
  })
})
