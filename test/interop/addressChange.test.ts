/**
 * Interop: one of our members restarts under its name at a new address
 * (127.0.0.2 to 127.0.0.3) in a cluster with a Go memberlist peer. Our
 * members move it within a few probe intervals; the Go peer, as its
 * aliveNode does, refuses the new address while it holds the old one alive
 * or dead ("Conflicting address"), and takes it once the old entry has been
 * reaped (GossipToTheDeadTime, 15 s in its local preset) and a push/pull
 * (every 15 s) brings the member again. See docs/address-change.md.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { eventually, startMember, type TestMember } from "../support/cluster.js"
import { ensureGoPeerBuilt, type GoPeer, startGoPeer, stopAll } from "./goPeer.js"

const PROBE_MS = 1_000
const periods = (n: number): Duration.Duration => Duration.millis(n * PROBE_MS)
/**
 * The Go peer's way to the new address, in its local preset: detecting the
 * old one dead (a probe round, then up to SuspicionMaxTimeoutMult 6 × 3
 * periods of suspicion: no one confirms it, our members have moved on),
 * GossipToTheDeadTime (15 s) until the reap, then the next push/pull (15 s
 * apart), and some room.
 */
const GO_REAP_AND_PUSH_PULL = periods(3 + 18 + 15 + 15 + 15)

const port = 17912
const before = { host: "127.0.0.2", port }
const after = { host: "127.0.0.3", port }

const tsHoldsAt = (observer: TestMember, address: typeof after) =>
  Effect.map(observer.member.members, (view) =>
    view.some((m) => m.name === "mover" && m.state === "alive" && m.address.host === address.host && m.address.port === address.port))

const goHoldsAt = (peer: GoPeer, address: typeof after) =>
  Effect.promise(() => peer.members()).pipe(
    Effect.map((members) => members.some((m) => m.name === "mover" && m.state === "alive" && m.addr === `${address.host}:${address.port}`))
  )

describe("interop: a member back under its name at a new address, with a Go peer", () => {
  beforeAll(() => ensureGoPeerBuilt(), 180_000)
  afterAll(() => stopAll())

  it.scopedLive("our members move it within a few probe intervals; the Go peer logs the conflict, then takes the new address after reaping the old", () =>
    Effect.gen(function*() {
      const seed = yield* Effect.acquireRelease(startMember({ name: "seed", seeds: [], encoding: "json" }), (m) => m.stop)
      const seedAddress = `${seed.address.host}:${seed.address.port}`
      const peer = yield* Effect.promise(() => startGoPeer({ name: "go", join: [seedAddress] }))
      const first = yield* startMember({ name: "mover", seeds: [seed.address], host: before.host, port, leaveOnClose: false, encoding: "json" })
      yield* eventually(tsHoldsAt(seed, before), periods(10), "the seed holds the mover at 127.0.0.2")
      yield* eventually(goHoldsAt(peer, before), periods(10), "the Go peer holds the mover at 127.0.0.2")

      yield* first.stop
      const second = yield* Effect.acquireRelease(
        startMember({ name: "mover", seeds: [seed.address], host: after.host, port, leaveOnClose: false, encoding: "json" }),
        (m) => m.stop
      )
      const restartedAt = Date.now()
      yield* eventually(tsHoldsAt(seed, after), periods(8), "our seed holds the mover at 127.0.0.3")
      // The Go peer refuses the new address while it holds the old entry...
      expect(yield* goHoldsAt(peer, after)).toBe(false)
      // ...and takes it once that entry is reaped and the member comes to it again.
      yield* eventually(goHoldsAt(peer, after), GO_REAP_AND_PUSH_PULL, "the Go peer holds the mover at 127.0.0.3")
      const goTook = Date.now() - restartedAt
      expect(peer.stderr()).toContain("Conflicting address for mover")
      yield* Effect.log(`the Go peer took the new address ${goTook} ms after the restart`)
      // The restarted member and the Go peer see each other.
      yield* eventually(
        Effect.map(second.member.members, (view) => view.some((m) => m.name === "go" && m.state === "alive")),
        periods(10),
        "the restarted member sees the Go peer"
      )
    }), { timeout: 150_000 })
})
