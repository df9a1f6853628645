/**
 * The member shell end to end, on virtual time: real `Memberlist.layer`
 * members over one memory network, the `TestClock` moved by the test. Bounds
 * are in protocol periods of the local preset (1 s probe interval).
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Ref, TestClock } from "effect"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

/** The preset every member here runs (the helper's default), to state bounds up front. */
const preset = SwimConfig.local({ name: "bounds" })

const periods = (config: SwimConfig.SwimConfigShape, n: number) => Duration.times(config.probeInterval, n)

/**
 * The longest a suspicion can last (Lifeguard): the minimum,
 * suspicionMult × max(1, log10 n) × probeInterval, times suspicionMaxTimeoutMult.
 */
const maxSuspicion = (config: SwimConfig.SwimConfigShape, n: number) =>
  Duration.times(
    config.probeInterval,
    config.suspicionMult * Math.max(1, Math.log10(n)) * config.suspicionMaxTimeoutMult
  )

/**
 * Detection of one vanished member of `n`: a survivor probes it within n - 1
 * intervals (round robin), the suspicion lasts at most its maximum, and the
 * verdict spreads within 2 more intervals.
 */
const detectionBound = (config: SwimConfig.SwimConfigShape, n: number) =>
  Duration.sum(maxSuspicion(config, n), periods(config, n - 1 + 2))

const sinceMillis = (start: number) => Effect.map(Clock.currentTimeMillis, (now) => now - start)

const seconds = (d: Duration.Duration) => Duration.toSeconds(d)

describe("Memberlist shell on virtual time", () => {
  it.scoped("join: 5 members through one seed all see all alive within 2 probe intervals", () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const members = yield* cluster.startMany(5)
      const config = members[0]!.config
      const took = yield* VirtualCluster.advanceUntil(
        VirtualCluster.allSeeAlive(members, members.map((m) => m.name)),
        periods(config, 2),
        "all 5 see all 5 alive"
      )
      expect(took).toBeLessThanOrEqual(Duration.toMillis(periods(config, 2)))
    }))

  it.scoped(
    `detection: a vanished member of 5 is suspected then declared dead by every survivor within ${
      seconds(detectionBound(preset, 5))
    } s (max suspicion + 6 probe intervals); no one else is suspected`,
    () =>
      Effect.gen(function*() {
        const cluster = yield* VirtualCluster.make()
        const members = yield* cluster.startMany(5)
        const config = members[0]!.config
        yield* VirtualCluster.advanceUntil(VirtualCluster.allSeeAlive(members, members.map((m) => m.name)), periods(config, 3), "converge")
        const victim = members[3]!
        const survivors = members.filter((m) => m !== victim)
        const logs = yield* Effect.forEach(survivors, VirtualCluster.recordEvents)

        const bound = detectionBound(config, members.length)
        yield* cluster.network.disconnect(victim.address)
        const took = yield* VirtualCluster.advanceUntil(
          Effect.map(Effect.forEach(logs, Ref.get), (all) =>
            all.every((events) => VirtualCluster.eventsAbout(events, victim.name).includes("MemberFailed"))),
          bound,
          "every survivor declares the victim dead"
        )
        // Some time more, to see that no one healthy is suspected afterwards either.
        yield* TestClock.adjust(periods(config, 10))

        for (const log of logs) {
          const events = yield* Ref.get(log)
          expect(VirtualCluster.eventsAbout(events, victim.name)).toEqual(["MemberJoined", "MemberSuspected", "MemberFailed"])
          const accused = events.filter((e) => e._tag === "MemberSuspected" || e._tag === "MemberFailed")
          expect(accused.every((e) => "member" in e && e.member.name === victim.name)).toBe(true)
        }
        for (const survivor of survivors) {
          expect((yield* survivor.member.members).map((m) => m.name).sort()).toEqual(survivors.map((m) => m.name).sort())
        }
        expect(took).toBeLessThanOrEqual(Duration.toMillis(bound))
      })
  )

  it.scoped("leave: closing a member's scope leaves gracefully within its 3 s leave timeout; within 1 probe interval the others see MemberLeft, never MemberFailed", () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const members = yield* cluster.startMany(4)
      const config = members[0]!.config
      yield* VirtualCluster.advanceUntil(VirtualCluster.allSeeAlive(members, members.map((m) => m.name)), periods(config, 3), "converge")
      const leaver = members[2]!
      const others = members.filter((m) => m !== leaver)
      const logs = yield* Effect.forEach(others, VirtualCluster.recordEvents)

      const start = yield* Clock.currentTimeMillis
      yield* leaver.stop
      // Ending before the 3 s leave timeout means the leave was gossiped, not given up on.
      const leaveTook = yield* sinceMillis(start)
      expect(leaveTook).toBeLessThan(3000)
      yield* VirtualCluster.advanceUntil(
        Effect.map(Effect.forEach(logs, Ref.get), (all) =>
          all.every((events) => VirtualCluster.eventsAbout(events, leaver.name).includes("MemberLeft"))),
        periods(config, 1),
        "the others see the leave"
      )
      // Longer than any suspicion would take: a left member must not turn into a failed one.
      yield* TestClock.adjust(Duration.sum(maxSuspicion(config, 4), periods(config, 5)))
      for (const log of logs) {
        expect(VirtualCluster.eventsAbout(yield* Ref.get(log), leaver.name)).toEqual(["MemberJoined", "MemberLeft"])
      }
      for (const other of others) {
        expect((yield* other.member.members).map((m) => m.name)).not.toContain(leaver.name)
      }
    }))

  it.scoped("rediscovery: a member that lost every peer to a partition rejoins through discovery by itself within 6 probe intervals of the heal", () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const members = yield* cluster.startMany(3)
      const config = members[0]!.config
      const names = members.map((m) => m.name)
      yield* VirtualCluster.advanceUntil(VirtualCluster.allSeeAlive(members, names), periods(config, 3), "converge")
      const [seed, other, isolated] = [members[0]!, members[1]!, members[2]!]

      yield* cluster.network.partition(isolated.address, [seed.address, other.address])
      yield* VirtualCluster.advanceUntil(
        Effect.map(isolated.member.allMembers, (view) =>
          view.filter((m) => m.name !== isolated.name).every((m) => m.state === "dead") && view.length === 3),
        Duration.seconds(120),
        "the isolated member declares both others dead"
      )
      yield* VirtualCluster.advanceUntil(
        Effect.map(Effect.forEach([seed, other], (m) => m.member.members), (views) =>
          views.every((view) => !view.some((m) => m.name === isolated.name))),
        Duration.seconds(60),
        "the others declare it dead"
      )
      // Past gossip-to-the-dead, nobody sends the other side anything: only discovery can bring it back.
      yield* TestClock.adjust(Duration.sum(config.gossipToTheDeadTime, periods(config, 2)))
      expect((yield* isolated.member.members).map((m) => m.name)).toEqual([isolated.name])

      const asked = yield* Ref.get(isolated.discoveries)
      yield* cluster.network.heal
      // Its next discovery tick comes within 2 intervals; a join already waiting on a cut
      // connection gives up within its deadline (2 × tcpTimeout, 2 intervals here); the
      // refutation of its death spreads within 2 more.
      yield* VirtualCluster.advanceUntil(
        VirtualCluster.allSeeAlive(members, names),
        periods(config, 6),
        "all three see all three alive again"
      )
      expect(yield* Ref.get(isolated.discoveries)).toBeGreaterThan(asked)
    }))
})
