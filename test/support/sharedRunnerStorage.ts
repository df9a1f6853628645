/**
 * One `RunnerStorage` shared by several `@effect/cluster` runners in one
 * process, standing in for `SqlRunnerStorage` on Postgres (whose shard locks
 * are advisory locks held by the runner's database session). The storage
 * `@effect/cluster` ships for one process (`RunnerStorage.layerMemory`)
 * reports every runner healthy and grants every lock to whoever asks, so it
 * cannot show shards moving between runners.
 *
 * - Runners are registered with a heartbeat (refreshed by `refresh`) and a
 *   health flag; `getRunners` lists those whose heartbeat is younger than
 *   `heartbeatExpiration`, as the SQL storage does.
 * - A shard lock belongs to one runner until released, or until that
 *   runner's session ends (`disconnect`): a crashed process's connection
 *   closes and Postgres frees its advisory locks.
 * - A disconnected session fails every call, as a dead process would never
 *   make one: a runner stopped after `disconnect` cannot release or
 *   unregister anything on its way down.
 */
import { PersistenceError } from "@effect/cluster/ClusterError"
import * as MachineId from "@effect/cluster/MachineId"
import type { Runner } from "@effect/cluster/Runner"
import type { RunnerAddress } from "@effect/cluster/RunnerAddress"
import { RunnerStorage } from "@effect/cluster/RunnerStorage"
import type { ShardId } from "@effect/cluster/ShardId"
import { Clock, Duration, Effect } from "effect"

const keyOf = (address: RunnerAddress) => `${address.host}:${address.port}`

/** Who holds a shard's lock, and since when (epoch milliseconds). */
export interface Lock {
  readonly owner: string
  readonly session: number
  readonly since: number
}

export interface Session {
  readonly storage: RunnerStorage["Type"]
  /** Ends the session as a crash would: its locks are freed, its further calls fail. */
  readonly disconnect: Effect.Effect<void>
}

export interface SharedRunnerStorage {
  /** A connection for one runner. */
  readonly session: Effect.Effect<Session>
  /** Every shard lock held now, by shard id (`group:n`). */
  readonly locks: Effect.Effect<ReadonlyMap<string, Lock>>
}

export const make = (options: { readonly heartbeatExpiration: Duration.DurationInput }): SharedRunnerStorage => {
  const expiration = Duration.toMillis(Duration.decode(options.heartbeatExpiration))
  const runners = new Map<string, { runner: Runner; healthy: boolean; heartbeat: number }>()
  const locks = new Map<string, Lock>()
  const closed = new Set<number>()
  let nextSession = 0
  let nextMachine = 0

  const session = Effect.sync((): Session => {
    const id = nextSession++
    const call = <A>(f: (now: number) => A): Effect.Effect<A, PersistenceError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        closed.has(id)
          ? Effect.fail(new PersistenceError({ cause: new Error(`session ${id} is disconnected`) }))
          : Effect.sync(() => f(now)))
    const heldBy = (address: RunnerAddress, shardIds: Iterable<ShardId>) =>
      Array.from(shardIds).filter((shard) => locks.get(shard.toString())?.owner === keyOf(address))

    const storage = RunnerStorage.of({
      register: (runner, healthy) =>
        call((now) => {
          runners.set(keyOf(runner.address), { runner, healthy, heartbeat: now })
          return MachineId.make(nextMachine++)
        }),
      unregister: (address) => call(() => void runners.delete(keyOf(address))),
      getRunners: call((now) =>
        Array.from(runners.values())
          .filter((entry) => now - entry.heartbeat < expiration)
          .map((entry) => [entry.runner, entry.healthy] as const)
      ),
      setRunnerHealth: (address, healthy) =>
        call(() => {
          const entry = runners.get(keyOf(address))
          if (entry !== undefined) entry.healthy = healthy
        }),
      acquire: (address, shardIds) =>
        call((now) => {
          const requested = Array.from(shardIds)
          for (const shard of requested) {
            const lock = locks.get(shard.toString())
            if (lock === undefined || closed.has(lock.session)) {
              locks.set(shard.toString(), { owner: keyOf(address), session: id, since: now })
            }
          }
          return heldBy(address, requested)
        }),
      refresh: (address, shardIds) =>
        call((now) => {
          const entry = runners.get(keyOf(address))
          if (entry !== undefined) entry.heartbeat = now
          return heldBy(address, shardIds)
        }),
      release: (address, shardId) =>
        call(() => {
          if (locks.get(shardId.toString())?.owner === keyOf(address)) locks.delete(shardId.toString())
        }),
      releaseAll: (address) =>
        call(() => {
          for (const [shard, lock] of locks) if (lock.owner === keyOf(address)) locks.delete(shard)
        })
    })

    const disconnect = Effect.sync(() => {
      closed.add(id)
      for (const [shard, lock] of locks) if (lock.session === id) locks.delete(shard)
    })
    return { storage, disconnect }
  })

  return { session, locks: Effect.sync(() => new Map(locks)) }
}
