/**
 * `@effect/cluster` runners on gossip: whether a runner is alive, from the
 * membership view instead of pings or the Kubernetes API.
 *
 * Each runner is also a member. Its member metadata names the host and port
 * of its runner server (`runnerMetadata`, or `layerAdvertise` from its
 * `ShardingConfig`). A runner is then alive while its member is alive or
 * suspect, and dead once gossip declared its member dead or left.
 *
 * ```ts
 * class Gossip extends Memberlist.Tag("app/Gossip")<Gossip, string>() {}
 *
 * const GossipLive = Memberlist.layer(Gossip, { messages: Schema.String }).pipe(...)
 *
 * const RunnerLive = SocketRunner.layer.pipe(
 *   Layer.provide(Cluster.layerRunnerHealth(Gossip)),      // instead of RunnerHealth.layerPing
 *   Layer.provide(Cluster.layerRunnerStorage(Gossip)),     // optional: see below
 *   Layer.provide(SqlRunnerStorage.layer),
 *   Layer.provideMerge(Cluster.layerAdvertise(Gossip)),
 *   Layer.provide(GossipLive),
 *   ...
 * )
 * ```
 *
 * This module is the only one that needs `@effect/cluster` (an optional peer
 * dependency): import it as `effect-memberlist/cluster`.
 *
 * @since 0.1.0
 */
import type { RunnerAddress } from "@effect/cluster/RunnerAddress"
import * as ClusterRunnerAddress from "@effect/cluster/RunnerAddress"
import { RunnerHealth } from "@effect/cluster/RunnerHealth"
import { RunnerStorage } from "@effect/cluster/RunnerStorage"
import { ShardingConfig } from "@effect/cluster/ShardingConfig"
import type { Context, ParseResult, Scope } from "effect"
import { Effect, Layer, Option } from "effect"
import * as internalHealth from "./internal/cluster/runnerHealth.js"
import * as internalMetadata from "./internal/cluster/runnerMetadata.js"
import * as internalMetrics from "./internal/cluster/metrics.js"
import * as internalStorage from "./internal/cluster/runnerStorage.js"
import * as internalView from "./internal/cluster/runnerView.js"
import type { Member, Memberlist, MetadataTooLarge, NotRunning } from "./Memberlist.js"

/**
 * The schema of a runner's member metadata: a map whose key `runner` holds
 * `{ host, port }`, the address of its `@effect/cluster` runner server
 * (as in `ShardingConfig.runnerAddress`), msgpack-encoded like
 * `Memberlist.metadata`. Other keys are ignored when read, so an application
 * can extend the struct with its own fields (the whole stays within 512 bytes).
 *
 * @since 0.1.0
 * @category metadata
 */
export const RunnerMetadata = internalMetadata.RunnerMetadata

/**
 * Reads and writes a runner's member metadata.
 *
 * ```ts
 * const meta = yield* Cluster.runnerMetadata.encode(RunnerAddress.make("10.0.0.5", 34431))
 * Memberlist.layer(Gossip, { messages, meta })
 * ```
 *
 * @since 0.1.0
 * @category metadata
 */
export const runnerMetadata: {
  readonly encode: (address: RunnerAddress) => Effect.Effect<Uint8Array, ParseResult.ParseError | MetadataTooLarge>
  readonly decode: (member: Member) => Effect.Effect<RunnerAddress, ParseResult.ParseError>
} = {
  encode: internalMetadata.encode,
  decode: (member) =>
    Effect.map(internalMetadata.codec.decode(member), (meta) =>
      ClusterRunnerAddress.make(meta.runner.host, meta.runner.port))
}

/**
 * Options of the gossip view of runners.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * How many departed runners to remember after the member list forgot their
   * members (default 4096; the oldest is evicted first and counted in
   * `metrics.departuresEvicted`).
   */
  readonly departures?: number | undefined
  /**
   * `RunnerHealth`'s answer for a runner no member has carried (default:
   * alive, so shards never move on no evidence; a runner that never joined
   * gossip is left to the storage's heartbeat expiry). Give
   * `RunnerHealth.makePing`'s `isAlive` to ask such runners directly.
   */
  readonly onUnknown?: ((address: RunnerAddress) => Effect.Effect<boolean>) | undefined
}

/**
 * A `RunnerHealth` answered from this member's view: alive while the
 * runner's member is alive or suspect, dead once it failed or left. Lives as
 * long as the scope (it follows the member's events).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRunnerHealth = <A>(
  memberlist: Memberlist<A>,
  options: Options = {}
): Effect.Effect<RunnerHealth["Type"], never, Scope.Scope> =>
  Effect.map(internalView.make(memberlist, options), (view) => internalHealth.make(view, options))

/**
 * `RunnerHealth` from the member under `tag`: use it in place of
 * `RunnerHealth.layerPing` or `RunnerHealth.layerK8s`.
 *
 * `@effect/cluster` asks it from a singleton every
 * `ShardingConfig.runnerHealthCheckInterval` (one minute by default; lower
 * it to move shards sooner), and only on the runner hosting that singleton.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRunnerHealth = <Self, A>(
  tag: Context.Tag<Self, Memberlist<A>>,
  options: Options = {}
): Layer.Layer<RunnerHealth, never, Self> =>
  Layer.scoped(RunnerHealth, Effect.flatMap(tag, (memberlist) => makeRunnerHealth(memberlist, options)))

/**
 * Wraps a `RunnerStorage` so that `getRunners` reports a runner unhealthy
 * as soon as this member's view holds it dead. Every runner then drops a
 * dead runner from its shard assignment at its next
 * `refreshAssignmentsInterval`, without waiting for the health-check
 * singleton, and even when the dead runner was the one hosting it. Shard
 * locks still belong to the wrapped storage: a survivor takes a shard only
 * once the storage lets it (its lock released or expired).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRunnerStorage = <A>(
  memberlist: Memberlist<A>,
  storage: RunnerStorage["Type"],
  options: Pick<Options, "departures"> = {}
): Effect.Effect<RunnerStorage["Type"], never, Scope.Scope> =>
  Effect.map(internalView.make(memberlist, options), (view) => internalStorage.make(storage, view))

/**
 * `makeRunnerStorage` as a layer: provide the real storage (SQL, ...) to it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRunnerStorage = <Self, A>(
  tag: Context.Tag<Self, Memberlist<A>>,
  options: Pick<Options, "departures"> = {}
): Layer.Layer<RunnerStorage, never, Self | RunnerStorage> =>
  Layer.scoped(
    RunnerStorage,
    Effect.gen(function*() {
      const memberlist = yield* tag
      const storage = yield* RunnerStorage
      return yield* makeRunnerStorage(memberlist, storage, options)
    })
  )

/**
 * Publishes this runner's address (`ShardingConfig.runnerAddress`) as the
 * metadata of the member under `tag`, replacing its metadata. Does nothing
 * for a client-only configuration (no runner address).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAdvertise = <Self, A>(
  tag: Context.Tag<Self, Memberlist<A>>
): Layer.Layer<never, ParseResult.ParseError | MetadataTooLarge | NotRunning, Self | ShardingConfig> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const config = yield* ShardingConfig
    if (Option.isNone(config.runnerAddress)) return
    const memberlist = yield* tag
    yield* memberlist.updateMetadata(yield* runnerMetadata.encode(config.runnerAddress.value))
  }))

/**
 * The gossip view's metrics: verdicts given on runners (tagged `verdict`:
 * alive, dead, unknown) and departed runners evicted from its bounded table.
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics = {
  verdicts: internalMetrics.verdicts,
  departuresEvicted: internalMetrics.departuresEvicted
} as const
