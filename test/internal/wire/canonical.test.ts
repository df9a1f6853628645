/**
 * Canonical decoded values (canonical.ts): members decoded from different
 * frames share one host, address, version tuple and name; a full table still
 * gives the right value, unshared, and counts it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Metric } from "effect"
import { defaultVersions } from "../../../src/internal/swim/config.js"
import { type Alive, NodeState, type PushNodeState } from "../../../src/internal/swim/messages.js"
import * as Canonical from "../../../src/internal/wire/canonical.js"
import { decodeMessage, encodeMessage } from "../../../src/internal/wire/messages.js"
import { decodeStream, encodeStream } from "../../../src/internal/wire/stream.js"

const state = (name: string, host: string, port: number): PushNodeState => ({
  name,
  address: { host, port },
  meta: new Uint8Array(0),
  incarnation: 1,
  state: NodeState.Alive,
  versions: defaultVersions
})

/** The states of one encoded push/pull, decoded from their own frame. */
const decodedStates = (states: Array<PushNodeState>): ReadonlyArray<PushNodeState> => {
  const decoded = decodeStream(encodeStream({ _tag: "PushPull", join: false, states, userState: new Uint8Array(0) }))
  if (Either.isLeft(decoded) || decoded.right._tag !== "Complete" || decoded.right.message._tag !== "PushPull") {
    throw new Error("the frame did not decode")
  }
  return decoded.right.message.states
}

const decodedAlive = (alive: Alive): Alive => {
  const decoded = decodeMessage(encodeMessage(alive))
  if (Either.isLeft(decoded) || decoded.right._tag !== "Alive") throw new Error("the alive did not decode")
  return decoded.right
}

const unsharedCount = Metric.value(Canonical.unshared).pipe(Effect.map((s) => s.count))

describe("canonical decoded values", () => {
  it("two frames naming the same member give the same host, address, versions and name objects", () => {
    const [first] = decodedStates([state("node-a", "127.0.0.1", 7946)])
    const [second] = decodedStates([state("node-a", "127.0.0.1", 7946)])
    const alive = decodedAlive({
      _tag: "Alive",
      incarnation: 3,
      node: "node-a",
      address: { host: "127.0.0.1", port: 7946 },
      meta: new Uint8Array(0),
      versions: defaultVersions
    })
    expect(second!.address).toBe(first!.address)
    expect(alive.address).toBe(first!.address)
    expect(second!.versions).toBe(first!.versions)
    expect(alive.versions).toBe(first!.versions)
    expect(first!.address).toEqual({ host: "127.0.0.1", port: 7946 })
    expect(first!.versions).toEqual(defaultVersions)
    expect(alive.node).toBe("node-a")
  })

  it("different ports, hosts and IPv6 hosts stay apart and decode to what was sent", () => {
    const states = decodedStates([
      state("a", "10.1.2.3", 1),
      state("b", "10.1.2.3", 2),
      state("c", "10.1.2.4", 1),
      state("d", "fe80::1", 1),
      state("e", "255.255.255.255", 65535)
    ])
    expect(states.map((s) => s.address)).toEqual([
      { host: "10.1.2.3", port: 1 },
      { host: "10.1.2.3", port: 2 },
      { host: "10.1.2.4", port: 1 },
      { host: "fe80::1", port: 1 },
      { host: "255.255.255.255", port: 65535 }
    ])
    const again = decodedStates([state("d", "fe80::1", 1)])
    expect(again[0]!.address).toBe(states[3]!.address)
  })

  it("a version tuple is keyed by all six bytes", () => {
    const a = Canonical.versions(new Uint8Array([1, 5, 2, 2, 5, 4]))
    const b = Canonical.versions(new Uint8Array([1, 5, 2, 2, 5, 3]))
    const c = Canonical.versions(new Uint8Array([2, 5, 2, 2, 5, 4]))
    expect(a).toEqual([1, 5, 2, 2, 5, 4])
    expect(b).toEqual([1, 5, 2, 2, 5, 3])
    expect(c).toEqual([2, 5, 2, 2, 5, 4])
    expect(Canonical.versions(new Uint8Array([1, 5, 2, 2, 5, 4]))).toBe(a)
  })

  it.effect("a full table holds no more, hands out the right value unshared, and counts it", () =>
    Effect.gen(function*() {
      const table = new Canonical.CanonicalTable<string, { readonly key: string }>(2)
      const one = table.get("one", (key) => ({ key }))
      table.get("two", (key) => ({ key }))
      const before = yield* unsharedCount
      const three = table.get("three", (key) => ({ key }))
      const threeAgain = table.get("three", (key) => ({ key }))
      expect(table.size).toBe(2)
      expect(three).toEqual({ key: "three" })
      expect(threeAgain).not.toBe(three)
      expect(table.get("one", (key) => ({ key }))).toBe(one)
      expect(table.refusals).toBe(2)
      expect((yield* unsharedCount) - before).toBe(2)

      const addresses = new Canonical.AddressTable(1)
      const kept = addresses.get("10.0.0.1", 1)
      const refused = addresses.get("10.0.0.1", 2)
      expect(addresses.get("10.0.0.1", 1)).toBe(kept)
      expect(refused).toEqual({ host: "10.0.0.1", port: 2 })
      expect(addresses.get("10.0.0.1", 2)).not.toBe(refused)
      expect(addresses.size).toBe(1)
      expect(addresses.refusals).toBe(2)
      expect((yield* unsharedCount) - before).toBe(4)
    }))
})
