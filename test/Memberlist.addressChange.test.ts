/**
 * A member restarts under its name at a new address, over real UDP/TCP on
 * loopback: it runs on 127.0.0.2, stops without leaving (a crash, a pod
 * killed), and comes back on 127.0.0.3 on the same port.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Stream } from "effect"
import type * as Memberlist from "../src/Memberlist.js"
import { counterTotal } from "../src/internal/metricTotal.js"
import { nameConflicts } from "../src/internal/shell/metrics.js"
import { eventually, startCluster, startMember, type TestMember } from "./support/cluster.js"

// The local preset probes every second; bounds below are in those periods.
const probe = Duration.seconds(1)
const periods = (n: number) => Duration.times(probe, n)

const port = 17910
const before = { host: "127.0.0.2", port }
const after = { host: "127.0.0.3", port }

const holdsAt = (observers: ReadonlyArray<TestMember>, name: string, address: typeof after) =>
  Effect.map(Effect.forEach(observers, (o) => o.member.members), (views) =>
    views.every((view) =>
      view.some((m) => m.name === name && m.state === "alive" && m.address.host === address.host && m.address.port === address.port)
    ))

describe("Memberlist over loopback: a member back under its name at a new address", () => {
  it.scopedLive("127.0.0.2 stops without leaving and restarts on 127.0.0.3: everyone holds the new address, MemberUpdated says so, no NameConflict", () =>
    Effect.gen(function*() {
      const others = yield* startCluster(3)
      const seed = others[0]!.address
      const first = yield* startMember({ name: "mover", seeds: [seed], host: before.host, port, leaveOnClose: false })
      yield* eventually(holdsAt(others, "mover", before), periods(20), "all see the mover at 127.0.0.2")

      const conflictsBefore = (yield* counterTotal(nameConflicts))
      // Every event each member publishes from here on, until the mover's update arrives or time is up.
      const watchers = yield* Effect.forEach(others, (o) =>
        Effect.flatMap(o.member.events, (events) =>
          Effect.fork(Stream.runCollect(events.pipe(
            Stream.takeUntil((e) => e._tag === "MemberUpdated" && e.member.name === "mover"),
            Stream.interruptWhen(Effect.sleep(periods(20)))
          )))))

      yield* first.stop
      const second = yield* startMember({ name: "mover", seeds: [seed], host: after.host, port, leaveOnClose: false })
      yield* Effect.addFinalizer(() => second.stop)
      yield* eventually(holdsAt(others, "mover", after), periods(8), "all see the mover at 127.0.0.3")

      for (const watcher of watchers) {
        const seen: ReadonlyArray<Memberlist.MembershipEvent> = Chunk.toReadonlyArray(yield* Fiber.join(watcher))
        const update = seen.find((e) => e._tag === "MemberUpdated" && e.member.name === "mover")
        expect(update).toMatchObject({ cause: "address", previousAddress: before, member: { address: after, state: "alive" } })
        expect(seen.filter((e) => e._tag === "NameConflict")).toEqual([])
      }
      // The restarted member sees everyone, and itself at the new address.
      yield* eventually(
        Effect.map(second.member.members, (view) => view.length === 4 && view.every((m) => m.state === "alive")),
        periods(8),
        "the restarted member sees all 4 alive"
      )
      expect((yield* second.member.localMember).address).toEqual(after)
      // A few more periods: the old address is not claimed back, nor any conflict reported.
      yield* Effect.sleep(periods(3))
      expect(yield* holdsAt(others, "mover", after)).toBe(true)
      expect((yield* counterTotal(nameConflicts))).toBe(conflictsBefore)
    }), { timeout: 90_000 })
})
