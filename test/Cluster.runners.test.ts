/**
 * Real `@effect/cluster` runners on loopback, each also a gossip member:
 * kill one (its storage session drops, its member stops without leaving,
 * its runner server closes) and watch its shards move to the survivors.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { eventually } from "./support/cluster.js"
import { type HealthAnswer, healthCheckShard, killAndWatch, settled } from "./support/runners.js"

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
