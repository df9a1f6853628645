/**
 * Real `@effect/cluster` runners on loopback, each also a gossip member:
 * kill one (its storage session drops, its member stops without leaving,
 * its runner server closes) and watch its shards move to the survivors.
 */
import { describe, expect, it } from "@effect/vitest"
import { ShardId } from "@effect/cluster/ShardId"
import { Chunk, Effect, Fiber, Stream } from "effect"
import type { MembershipEvent } from "../src/Memberlist.js"
import { eventually } from "./support/cluster.js"
import * as SharedRunnerStorage from "./support/sharedRunnerStorage.js"
import { type HealthAnswer, healthCheckShard, type HealthSource, startRunners, type TestRunner } from "./support/runners.js"

const shards = 30
const keyOf = (runner: TestRunner) => `${runner.address.host}:${runner.address.port}`

/** Three runners holding all shards among them, each seeing the others alive. */
const settled = (health: HealthSource, answers: Array<HealthAnswer>) =>
  Effect.gen(function*() {
    const storage = SharedRunnerStorage.make({ heartbeatExpiration: "10 minutes" })
    const runners = yield* startRunners(3, { storage, health, onHealth: (a) => answers.push(a) })
    yield* eventually(
      Effect.gen(function*() {
        const locks = yield* storage.locks
        const owners = new Set(Array.from(locks.values(), (l) => l.owner))
        const views = yield* Effect.forEach(runners, (r) => r.gossip.members)
        return locks.size === shards && owners.size === 3 && views.every((v) => v.length === 3 && v.every((m) => m.state === "alive"))
      }),
      "30 seconds",
      "all shards spread over the three runners, every member alive in every view"
    )
    const host = runners.find((r) => r.sharding.hasShardId(healthCheckShard(r.sharding)))!
    return { storage, runners, host }
  })

/** Kills `victim`; returns the failure as `observer` saw it and when the survivors took each of its shards. */
const killAndWatch = (
  storage: SharedRunnerStorage.SharedRunnerStorage,
  runners: ReadonlyArray<TestRunner>,
  victim: TestRunner,
  observer: TestRunner
) =>
  Effect.gen(function*() {
    const victimShards = Array.from(yield* storage.locks).filter(([, l]) => l.owner === keyOf(victim)).map(([s]) => s)
    expect(victimShards.length).toBeGreaterThan(0)
    const survivors = new Map(runners.filter((r) => r !== victim).map((r) => [keyOf(r), r]))
    const events = yield* observer.gossip.events
    const seen = yield* events.pipe(
      Stream.filter((e): e is Extract<MembershipEvent, { member: unknown }> => "member" in e && e.member.name === victim.name),
      Stream.takeUntil((e) => e._tag === "MemberFailed"),
      Stream.runCollect,
      Effect.fork
    )
    const killedAt = Date.now()
    yield* victim.kill
    yield* eventually(
      Effect.map(storage.locks, (locks) =>
        victimShards.every((s) => survivors.get(locks.get(s)?.owner ?? "")?.sharding.hasShardId(ShardId.fromString(s)) === true)),
      "20 seconds",
      "every shard of the killed runner held by a survivor"
    )
    const locks = yield* storage.locks
    const taken = victimShards.map((s) => locks.get(s)!.since)
    const history = Chunk.toReadonlyArray(yield* Fiber.join(seen).pipe(Effect.timeout("5 seconds")))
    return {
      killedAt,
      suspectedAt: history.find((e) => e._tag === "MemberSuspected")?.at,
      failedAt: history.find((e) => e._tag === "MemberFailed")!.at,
      firstTaken: Math.min(...taken)
    }
  })

describe("effect-memberlist/cluster with real @effect/cluster runners", () => {
  it.live("a crashed runner's shards move once gossip declares it dead, and not while it is only suspect", () =>
    Effect.scoped(Effect.gen(function*() {
      const answers: Array<HealthAnswer> = []
      const { host, runners, storage } = yield* settled("gossip", answers)
      const victim = runners.find((r) => r !== host)!
      const watched = yield* killAndWatch(storage, runners, victim, host)

      expect(watched.suspectedAt).toBeDefined()
      expect(watched.suspectedAt!).toBeLessThan(watched.failedAt)
      // While the victim was suspect, the health check asked about it and heard "alive", and no shard moved.
      const whileSuspect = answers.filter((a) =>
        a.asker === host.name && a.address.port === victim.address.port && a.at >= watched.suspectedAt! && a.at < watched.failedAt)
      expect(whileSuspect.length).toBeGreaterThanOrEqual(3)
      expect(whileSuspect.every((a) => a.alive)).toBe(true)
      expect(watched.firstTaken).toBeGreaterThanOrEqual(watched.failedAt)
      // Once dead, it is reported so.
      expect(answers.some((a) => a.address.port === victim.address.port && !a.alive && a.at >= watched.failedAt)).toBe(true)
    })), 90_000)

  it.live("with the gossip storage, shards move even when the runner hosting the health check crashes", () =>
    Effect.scoped(Effect.gen(function*() {
      const { host, runners, storage } = yield* settled("gossip-storage", [])
      const observer = runners.find((r) => r !== host)!
      const watched = yield* killAndWatch(storage, runners, host, observer)
      expect(watched.firstTaken).toBeGreaterThanOrEqual(watched.failedAt)
      // The health check now runs on a survivor.
      yield* eventually(
        Effect.map(Effect.forEach(runners.filter((r) => r !== host), (r) => Effect.succeed(r.sharding.hasShardId(healthCheckShard(r.sharding)))), (held) => held.some((h) => h)),
        "10 seconds",
        "a survivor hosts the health-check singleton"
      )
    })), 90_000)
})
