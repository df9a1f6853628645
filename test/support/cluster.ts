/**
 * Starts real members in one process for tests: each on its own loopback
 * port (chosen by the OS), each in its own scope so a test can stop one.
 */
import { Context, Duration, Effect, Exit, Layer, Schema, Scope } from "effect"
import * as Discovery from "../../src/Discovery.js"
import * as Memberlist from "../../src/Memberlist.js"
import * as SwimConfig from "../../src/SwimConfig.js"
import * as Transport from "../../src/Transport.js"

export class Hello extends Schema.TaggedClass<Hello>()("Hello", { from: Schema.String, n: Schema.Number }) {}
export class Invalidate extends Schema.TaggedClass<Invalidate>()("Invalidate", { key: Schema.String }) {}
export const Messages = Schema.Union(Hello, Invalidate)
export type Message = typeof Messages.Type

export class Cluster extends Memberlist.Tag("test/Cluster")<Cluster, Message>() {}

/** A running member and the means to stop it. */
export interface TestMember {
  readonly name: string
  readonly address: Transport.Address
  readonly member: Memberlist.Memberlist<Message>
  /** Closes its scope: a graceful leave unless started with leaveOnClose false. */
  readonly stop: Effect.Effect<void>
}

/** Options for one member. */
export interface StartOptions {
  readonly name: string
  readonly seeds: ReadonlyArray<Transport.Address>
  readonly config?: Omit<SwimConfig.PresetOptions, "name">
  readonly leaveOnClose?: boolean
  readonly encoding?: Memberlist.MessageEncoding
  readonly host?: string
  readonly port?: number
  /** Where to find seeds; default: exactly `seeds`. */
  readonly discovery?: Layer.Layer<Discovery.Discovery, unknown>
  /** Application hooks: state in push/pull and the join and merge filters. */
  readonly hooks?: Pick<
    Memberlist.Options<Message, unknown>,
    "localState" | "mergeRemoteState" | "maxAppStateSize" | "filterJoin" | "filterMerge" | "meta"
  >
}

/** Starts one member on 127.0.0.1 (or `host`) with the local preset. */
export const startMember = (options: StartOptions): Effect.Effect<TestMember, unknown> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const config = SwimConfig.local({
      name: options.name,
      bindHost: options.host ?? "127.0.0.1",
      bindPort: options.port ?? 0,
      ...options.config
    })
    const layer = Memberlist.layer(Cluster, {
      messages: Messages,
      leaveOnClose: options.leaveOnClose ?? true,
      encoding: options.encoding ?? "msgpack",
      ...options.hooks
    }).pipe(
      Layer.provide(Transport.layerNode),
      Layer.provide(options.discovery ?? Discovery.layer(Effect.succeed(options.seeds))),
      Layer.provide(SwimConfig.layer(config))
    )
    const context = yield* Layer.buildWithScope(layer, scope).pipe(
      Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
    )
    const member = Context.get(context, Cluster)
    const local = yield* member.localMember
    return { name: options.name, address: local.address, member, stop: Scope.close(scope, Exit.void) }
  })

/** Starts `n` members, all joining through the first. */
export const startCluster = (
  n: number,
  options: Omit<StartOptions, "name" | "seeds"> = {}
): Effect.Effect<ReadonlyArray<TestMember>, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const first = yield* startMember({ ...options, name: "node-0", seeds: [] })
    const rest = yield* Effect.forEach(
      Array.from({ length: n - 1 }, (_, i) => i + 1),
      (i) => startMember({ ...options, name: `node-${i}`, seeds: [first.address] }),
      { concurrency: 4 }
    )
    const all = [first, ...rest]
    yield* Effect.addFinalizer(() => Effect.forEach(all, (m) => m.stop, { discard: true, concurrency: "unbounded" }))
    return all
  })

/** Polls `condition` every 100 ms until it holds, failing after `limit` (a bound in protocol time). */
export const eventually = <E, R>(
  condition: Effect.Effect<boolean, E, R>,
  limit: Duration.DurationInput,
  what: string
): Effect.Effect<void, E | Error, R> =>
  Effect.gen(function*() {
    const deadline = Date.now() + Duration.toMillis(Duration.decode(limit))
    while (!(yield* condition)) {
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`not within ${Duration.format(Duration.decode(limit))}: ${what}`))
      yield* Effect.sleep(Duration.millis(100))
    }
  })

/** Whether every member in `observers` sees exactly `names` alive or suspect. */
export const seesExactly = (observers: ReadonlyArray<TestMember>, names: ReadonlyArray<string>) =>
  Effect.map(
    Effect.forEach(observers, (o) => o.member.members),
    (views) => views.every((view) => view.length === names.length && names.every((n) => view.some((m) => m.name === n && m.state === "alive")))
  )
