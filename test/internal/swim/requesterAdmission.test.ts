/**
 * The requester of a push/pull speaks for itself (trust.ts,
 * `pushPullEntryOrigin`): a request comes on a stream the requester dialled
 * from an ephemeral port, as the Node shell sees it, so its own entry is
 * recognised by host, and a burst of joins from one host is not held to the
 * per-host budget of names relayed in requests.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Address } from "../../../src/internal/swim/messages.js"
import { ownPerInterval, requestedPerSource } from "../../../src/internal/swim/trust.js"
import { memberWithPeers } from "./candidates.js"
import { NodeState, pushState } from "./driver.js"

const host = "127.0.0.9"
const newcomer = (i: number) => ({ ...pushState(`joiner-${i}`, NodeState.Alive, 1), address: { host, port: 8000 + i } })
const streamFrom = (i: number): Address => ({ host, port: 50_000 + i })

describe("a push/pull request from a stream's ephemeral port", () => {
  it("admits each requester's own entry at once, more than the per-host request budget in one probe interval", () => {
    const d = setup()
    const mark = d.mark()
    const joins = requestedPerSource + 36
    for (let i = 0; i < joins; i++) {
      d.input({ _tag: "PushPullRequest", from: streamFrom(i), join: true, states: [newcomer(i)], replyTo: i + 1 })
    }
    for (let i = 0; i < joins; i++) expect(d.member(`joiner-${i}`)?.state).toBe(NodeState.Alive)
    expect(d.state.admission.candidates.size).toBe(0)
    expect(d.sent("Ping", mark).filter((p) => p.message.node.startsWith("joiner-"))).toEqual([])
    expect(d.eventsOf("MemberJoined", mark).length).toBe(joins)
  })

  it("spends the own budget, all sources together, so one host cannot admit past it", () => {
    const d = setup()
    const states = Array.from({ length: ownPerInterval + 50 }, (_, i) => newcomer(i))
    d.input({ _tag: "PushPullRequest", from: streamFrom(0), join: false, states, replyTo: 1 })
    expect(d.state.members.size).toBe(4 + ownPerInterval)
  })

  it("still holds entries at another host to the request budget", () => {
    const d = setup()
    const states = Array.from({ length: requestedPerSource + 20 }, (_, i) => ({
      ...pushState(`other-${i}`, NodeState.Alive, 1),
      address: { host: "192.0.2.44", port: 7946 + i }
    }))
    d.input({ _tag: "PushPullRequest", from: streamFrom(0), join: false, states, replyTo: 1 })
    expect(d.state.members.size).toBe(4 + requestedPerSource)
  })
})

/** A member with three peers, a probe interval after it admitted them, so every budget is fresh. */
const setup = () => {
  const d = memberWithPeers(5)
  d.advanceBy(d.config.probeInterval)
  return d
}
