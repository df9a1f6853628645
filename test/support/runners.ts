/**
 * Real `@effect/cluster` runners on loopback for tests and benchmarks: each
 * has a runner server (TCP, port chosen by the OS), a gossip member whose
 * metadata names that server, and a session on one shared runner storage.
 * No message storage: these runners only take and give up shards.
 */
import * as MessageStorage from "@effect/cluster/MessageStorage"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as Runners from "@effect/cluster/Runners"
import { RunnerStorage } from "@effect/cluster/RunnerStorage"
import * as EntityId from "@effect/cluster/EntityId"
import { ShardId } from "@effect/cluster/ShardId"
import { Sharding } from "@effect/cluster/Sharding"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SocketRunner from "@effect/cluster/SocketRunner"
import { layerClientProtocol } from "@effect/platform-node/NodeClusterSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { SocketServer } from "@effect/platform/SocketServer"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as Net from "node:net"
import { Chunk, Context, Duration, Effect, Exit, Fiber, Layer, Option, Schema, Scope, Stream } from "effect"
import * as Cluster from "../../src/Cluster.js"
import * as Discovery from "../../src/Discovery.js"
import * as Memberlist from "../../src/Memberlist.js"
import type { MembershipEvent } from "../../src/Memberlist.js"
import * as SwimConfig from "../../src/SwimConfig.js"
import * as Transport from "../../src/Transport.js"
import { eventually } from "./cluster.js"
import { make as makeSharedRunnerStorage, type SharedRunnerStorage } from "./sharedRunnerStorage.js"

export class Gossip extends Memberlist.Tag("test/RunnerGossip")<Gossip, string>() {}

/**
 * How runners learn that another is dead: `gossip` (`Cluster.layerRunnerHealth`),
 * `gossip-storage` (that, and `Cluster.layerRunnerStorage` over the storage),
 * `ping` (`RunnerHealth.layerPing`, @effect/cluster's default).
 */
export type HealthSource = "gossip" | "gossip-storage" | "ping"

/** One answer of a runner's `RunnerHealth`. */
export interface HealthAnswer {
  readonly at: number
  readonly asker: string
  readonly address: RunnerAddress.RunnerAddress
  readonly alive: boolean
}

/** How a runner dies: its server refuses connections (`crash`) or accepts and never answers (`hang`). */
export type KillMode = "crash" | "hang"

export interface TestRunner {
  readonly name: string
  readonly address: RunnerAddress.RunnerAddress
  readonly gossip: Memberlist.Memberlist<string>
  readonly sharding: Sharding["Type"]
  /**
   * A crash: the storage session drops, the member stops without leaving, the
   * runner server closes (connections to it are refused). `hang` instead
   * leaves a listener on the runner's port that accepts and never answers, as
   * a frozen process would, until the scope closes.
   */
  readonly kill: (mode?: KillMode) => Effect.Effect<void, never, Scope.Scope>
  /** A clean stop (the member does not leave either). */
  readonly stop: Effect.Effect<void>
}

export interface RunnerOptions {
  readonly name: string
  readonly seeds: ReadonlyArray<Transport.Address>
  readonly storage: SharedRunnerStorage
  readonly health: HealthSource
  readonly sharding?: Partial<ShardingConfig.ShardingConfig["Type"]>
  readonly swim?: Omit<SwimConfig.PresetOptions, "name">
  /** Called with each answer of this runner's `RunnerHealth`. */
  readonly onHealth?: (answer: HealthAnswer) => void
}

/** Short intervals, so a test sees shards move within seconds. */
export const fastSharding = {
  shardsPerGroup: 30,
  refreshAssignmentsInterval: "100 millis",
  runnerHealthCheckInterval: "100 millis",
  entityMessagePollInterval: "200 millis",
  shardLockRefreshInterval: "1 second",
  shardLockExpiration: "60 seconds"
} as const satisfies Partial<ShardingConfig.ShardingConfig["Type"]>

/** A 200 ms protocol period: a crashed member of three is suspect for about 1 s, then dead. */
export const fastSwim: Omit<SwimConfig.PresetOptions, "name"> = {
  probeInterval: Duration.millis(200),
  probeTimeout: Duration.millis(100),
  gossipInterval: Duration.millis(50),
  suspicionMult: 5
}

const observed = (
  health: RunnerHealth.RunnerHealth["Type"],
  asker: string,
  onHealth: ((answer: HealthAnswer) => void) | undefined
): RunnerHealth.RunnerHealth["Type"] =>
  onHealth === undefined ? health : {
    isAlive: (address) =>
      Effect.tap(health.isAlive(address), (alive) => Effect.sync(() => onHealth({ at: Date.now(), asker, address, alive })))
  }

export const startRunner = (options: RunnerOptions): Effect.Effect<TestRunner, unknown> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const build = Effect.gen(function*() {
      const server = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 }).pipe(Scope.extend(scope))
      if (server.address._tag !== "TcpAddress") return yield* Effect.die("the runner server is not on TCP")
      const address = RunnerAddress.make("127.0.0.1", server.address.port)
      const session = yield* options.storage.session

      const gossip = Memberlist.layer(Gossip, { messages: Schema.String, leaveOnClose: false }).pipe(
        Layer.provide(Transport.layerNode),
        Layer.provide(Discovery.layer(Effect.succeed(options.seeds))),
        Layer.provide(SwimConfig.layer(SwimConfig.local({
          name: options.name,
          bindHost: "127.0.0.1",
          bindPort: 0,
          ...fastSwim,
          ...options.swim
        })))
      )
      const rawHealth: Layer.Layer<
        RunnerHealth.RunnerHealth,
        never,
        Gossip | ShardingConfig.ShardingConfig | MessageStorage.MessageStorage | Runners.RpcClientProtocol
      > = options.health === "ping"
        ? RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc))
        : Cluster.layerRunnerHealth(Gossip)
      const health = Layer.effect(
        RunnerHealth.RunnerHealth,
        Effect.map(RunnerHealth.RunnerHealth, (h) => observed(h, options.name, options.onHealth))
      ).pipe(Layer.provide(rawHealth))
      const storage = options.health === "gossip-storage"
        ? Cluster.layerRunnerStorage(Gossip).pipe(Layer.provide(Layer.succeed(RunnerStorage, session.storage)))
        : Layer.succeed(RunnerStorage, session.storage)

      const runner = SocketRunner.layer.pipe(
        Layer.provide(health),
        Layer.provide(storage),
        Layer.provide(MessageStorage.layerNoop),
        Layer.provide(layerClientProtocol),
        Layer.provide(Layer.succeed(SocketServer, server)),
        Layer.provideMerge(Cluster.layerAdvertise(Gossip)),
        Layer.provide(ShardingConfig.layer({ ...fastSharding, ...options.sharding, runnerAddress: Option.some(address) })),
        Layer.provide(RpcSerialization.layerMsgPack),
        Layer.provideMerge(gossip)
      )
      const context = yield* Layer.buildWithScope(runner, scope)
      const stop = Scope.close(scope, Exit.void)
      return {
        name: options.name,
        address,
        gossip: Context.get(context, Gossip),
        sharding: Context.get(context, Sharding),
        kill: (mode: KillMode = "crash") =>
          Effect.zipRight(session.disconnect, stop).pipe(
            Effect.zipRight(mode === "hang" ? silentListener(address.port) : Effect.void)
          ),
        stop
      } satisfies TestRunner
    })
    return yield* build.pipe(Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))))
  })

/** A TCP listener on 127.0.0.1:`port` that accepts connections and never answers, until the scope closes. */
const silentListener = (port: number): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Net.Server>((resume) => {
      const sockets = new Set<Net.Socket>()
      const server = Net.createServer((socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
        socket.on("error", () => socket.destroy())
      })
      server.on("close", () => sockets.forEach((s) => s.destroy()))
      server.once("error", (error) => resume(Effect.die(error)))
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.sync(() => server.close())
  ).pipe(Effect.asVoid)

/** Starts `n` runners, all joining through the first one's member; all stopped when the scope closes. */
export const startRunners = (
  n: number,
  options: Omit<RunnerOptions, "name" | "seeds">
): Effect.Effect<ReadonlyArray<TestRunner>, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const first = yield* startRunner({ ...options, name: "runner-0", seeds: [] })
    const seed = (yield* first.gossip.localMember).address
    const rest = yield* Effect.forEach(
      Array.from({ length: n - 1 }, (_, i) => i + 1),
      (i) => startRunner({ ...options, name: `runner-${i}`, seeds: [seed] })
    )
    const all = [first, ...rest]
    yield* Effect.addFinalizer(() => Effect.forEach(all, (r) => r.stop, { discard: true, concurrency: "unbounded" }))
    return all
  })

/** The shard hosting @effect/cluster's health-check singleton (it runs where that shard is). */
export const healthCheckShard = (sharding: Sharding["Type"]) =>
  sharding.getShardId(EntityId.make("effect/cluster/Sharding/RunnerHealth"), "default")

export const keyOf = (runner: TestRunner) => `${runner.address.host}:${runner.address.port}`

/** Three runners (on a fresh shared storage) holding all shards among them, each member seeing all alive. */
export const settled = (health: HealthSource, answers: Array<HealthAnswer> = []) =>
  Effect.gen(function*() {
    const storage = makeSharedRunnerStorage({ heartbeatExpiration: "10 minutes" })
    const runners = yield* startRunners(3, { storage, health, onHealth: (a) => answers.push(a) })
    yield* eventually(
      Effect.gen(function*() {
        const locks = yield* storage.locks
        const owners = new Set(Array.from(locks.values(), (l) => l.owner))
        const views = yield* Effect.forEach(runners, (r) => r.gossip.members)
        return locks.size === fastSharding.shardsPerGroup && owners.size === 3 && views.every((v) => v.length === 3 && v.every((m) => m.state === "alive"))
      }),
      "30 seconds",
      "all shards spread over the three runners, every member alive in every view"
    )
    const host = runners.find((r) => r.sharding.hasShardId(healthCheckShard(r.sharding)))!
    return { storage, runners, host }
  })

/** Kills `victim`; returns the failure as `observer` saw it and when the survivors took each of its shards. */
export const killAndWatch = (
  storage: SharedRunnerStorage,
  runners: ReadonlyArray<TestRunner>,
  victim: TestRunner,
  observer: TestRunner,
  options: { readonly mode?: KillMode; readonly moveLimit?: Duration.DurationInput } = {}
) =>
  Effect.gen(function*() {
    const victimShards = Array.from(yield* storage.locks).filter(([, l]) => l.owner === keyOf(victim)).map(([s]) => s)
    if (victimShards.length === 0) return yield* Effect.fail(new Error(`${victim.name} holds no shard to move`))
    const survivors = new Map(runners.filter((r) => r !== victim).map((r) => [keyOf(r), r]))
    const events = yield* observer.gossip.events
    const seen = yield* events.pipe(
      Stream.filter((e): e is Extract<MembershipEvent, { member: unknown }> => "member" in e && e.member.name === victim.name),
      Stream.takeUntil((e) => e._tag === "MemberFailed"),
      Stream.runCollect,
      Effect.fork
    )
    const killedAt = Date.now()
    yield* victim.kill(options.mode)
    yield* eventually(
      Effect.map(storage.locks, (locks) =>
        victimShards.every((s) => survivors.get(locks.get(s)?.owner ?? "")?.sharding.hasShardId(ShardId.fromString(s)) === true)),
      options.moveLimit ?? "20 seconds",
      "every shard of the killed runner held by a survivor"
    )
    const locks = yield* storage.locks
    const taken = victimShards.map((s) => locks.get(s)!.since)
    const history = Chunk.toReadonlyArray(yield* Fiber.join(seen).pipe(Effect.timeout("5 seconds")))
    return {
      killedAt,
      suspectedAt: history.find((e) => e._tag === "MemberSuspected")?.at,
      failedAt: history.find((e) => e._tag === "MemberFailed")!.at,
      firstTaken: Math.min(...taken),
      lastTaken: Math.max(...taken)
    }
  })

