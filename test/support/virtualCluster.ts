/**
 * Members of the public `Memberlist.layer` on one in-process memory network,
 * on virtual time: no socket, no wall clock. Every test that uses it runs
 * under `it.effect` / `it.scoped`, whose `TestClock` the members sleep on, and
 * moves time forward itself with `advanceUntil` (or `TestClock.adjust`).
 *
 * Each member gets its own `Discovery` whose answer the test can change, and
 * a fixed random seed, so a run replays.
 */
import { Clock, Context, Duration, Effect, Exit, Fiber, Layer, Metric, Option, Ref, Schema, Scope, Stream, TestClock } from "effect"
import * as Discovery from "../../src/Discovery.js"
import * as Memberlist from "../../src/Memberlist.js"
import * as SwimConfig from "../../src/SwimConfig.js"
import * as Transport from "../../src/Transport.js"
import { counterTotal } from "../../src/internal/metricTotal.js"

export class Note extends Schema.TaggedClass<Note>()("Note", { n: Schema.Number }) {}
export type Message = Note

export class Cluster extends Memberlist.Tag("test/VirtualCluster")<Cluster, Message>() {}

/** Member `i`'s address: its own loopback host, memberlist's port. */
export const addressOf = (i: number): Transport.Address => ({ host: `127.0.0.${i + 1}`, port: 7946 })

/** A running member. */
export interface VirtualMember {
  readonly name: string
  readonly address: Transport.Address
  readonly config: SwimConfig.SwimConfigShape
  readonly member: Memberlist.Memberlist<Message>
  /** What its discovery answers; change it to move the member's seeds. */
  readonly seeds: Ref.Ref<ReadonlyArray<Transport.Address>>
  /** How often its discovery has been asked. */
  readonly discoveries: Ref.Ref<number>
  /** Closes its scope (a graceful leave unless started with leaveOnClose false), moving virtual time until done. */
  readonly stop: Effect.Effect<void>
}

/** Options for one member; everything but the name and address has a default. */
export interface StartOptions {
  readonly name: string
  readonly address: Transport.Address
  /** What discovery answers at first (default: nothing, the member starts alone). */
  readonly seeds?: ReadonlyArray<Transport.Address>
  /** Overrides of the local preset. */
  readonly config?: Omit<SwimConfig.PresetOptions, "name">
  readonly leaveOnClose?: boolean
  readonly eventBuffer?: Memberlist.DeliveryOptions
  readonly messageBuffer?: Memberlist.DeliveryOptions
  /** The core's random seed (default: derived from the host, so runs replay). */
  readonly seed?: number
  /** Application hooks: state in push/pull and the join and merge filters. */
  readonly hooks?: Pick<
    Memberlist.Options<Message, unknown>,
    "localState" | "mergeRemoteState" | "maxAppStateSize" | "filterJoin" | "filterMerge" | "meta"
  >
}

/** The network and the members started on it; every member still running stops with the test's scope. */
export interface VirtualCluster {
  readonly network: Transport.MemoryNetwork
  readonly start: (options: StartOptions) => Effect.Effect<VirtualMember, unknown>
  /** `n` members at addressOf(0..n-1), named node-i, every one but the first seeded with node-0. */
  readonly startMany: (
    n: number,
    options?: Omit<StartOptions, "name" | "address" | "seeds">
  ) => Effect.Effect<ReadonlyArray<VirtualMember>, unknown>
}

/** Virtual time a stopping member may take: its leave timeout (3 s by default) and some. */
const stopLimit = Duration.seconds(10)

/**
 * Moves virtual time forward by `step` until `condition` holds, failing once
 * more than `limit` has passed. Returns the virtual time it took, in ms (0
 * when it already held).
 */
export const advanceUntil = <E, R>(
  condition: Effect.Effect<boolean, E, R>,
  limit: Duration.DurationInput,
  what: string,
  step: Duration.DurationInput = Duration.millis(100)
): Effect.Effect<number, E | Error, R> =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const limitMillis = Duration.toMillis(Duration.decode(limit))
    for (;;) {
      const elapsed = (yield* Clock.currentTimeMillis) - start
      if (yield* condition) return elapsed
      if (elapsed >= limitMillis) {
        return yield* Effect.fail(new Error(`not within ${Duration.format(Duration.decode(limit))} of virtual time: ${what}`))
      }
      yield* TestClock.adjust(step)
    }
  })

/** Runs `effect` in the background while virtual time moves, until it ends (within `limit`). */
export const whileAdvancing = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  limit: Duration.DurationInput,
  what: string
): Effect.Effect<A, E | Error, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* advanceUntil(Effect.map(Fiber.poll(fiber), Option.isSome), limit, what)
    return yield* Fiber.join(fiber)
  })

/** Closes scopes, all at once, moving virtual time while their leaves are gossiped. */
const closeAll = (scopes: ReadonlyArray<Scope.CloseableScope>): Effect.Effect<void> =>
  whileAdvancing(
    Effect.forEach(scopes, (scope) => Scope.close(scope, Exit.void), { concurrency: "unbounded", discard: true }),
    stopLimit,
    "members stop"
  ).pipe(Effect.orDie)

/** A cluster on a fresh memory network; members still running when the scope closes are stopped. */
export const make = (networkOptions?: Transport.MemoryNetworkOptions): Effect.Effect<VirtualCluster, never, Scope.Scope> =>
  Effect.gen(function*() {
    const network = Transport.makeMemoryNetwork(networkOptions)
    const running = new Set<Scope.CloseableScope>()
    yield* Effect.addFinalizer(() => closeAll(Array.from(running)))

    const start = (options: StartOptions): Effect.Effect<VirtualMember, unknown> =>
      Effect.gen(function*() {
        const seeds = yield* Ref.make<ReadonlyArray<Transport.Address>>(options.seeds ?? [])
        const discoveries = yield* Ref.make(0)
        const config = SwimConfig.local({
          name: options.name,
          bindHost: options.address.host,
          bindPort: options.address.port,
          ...options.config
        })
        const layer = Memberlist.layer(Cluster, {
          messages: Note,
          leaveOnClose: options.leaveOnClose ?? true,
          seed: options.seed ?? seedOf(options.address),
          ...(options.eventBuffer !== undefined ? { eventBuffer: options.eventBuffer } : {}),
          ...(options.messageBuffer !== undefined ? { messageBuffer: options.messageBuffer } : {}),
          ...options.hooks
        }).pipe(
          Layer.provide(network.layer(options.address)),
          Layer.provide(Discovery.layer(Effect.zipRight(Ref.update(discoveries, (n) => n + 1), Ref.get(seeds)))),
          Layer.provide(SwimConfig.layer(config))
        )
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(layer, scope).pipe(
          Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
        )
        running.add(scope)
        const stop = Effect.suspend(() => (running.delete(scope) ? closeAll([scope]) : Effect.void))
        return { name: options.name, address: options.address, config, member: Context.get(context, Cluster), seeds, discoveries, stop }
      })

    const startMany: VirtualCluster["startMany"] = (n, options = {}) =>
      Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) =>
        start({
          ...options,
          name: `node-${i}`,
          address: addressOf(i),
          ...(i === 0 ? {} : { seeds: [addressOf(0)] })
        }))

    return { network, start, startMany }
  })

/** A seed from an address, so each member draws differently but every run the same. */
const seedOf = (address: Transport.Address): number => {
  let h = address.port
  for (const c of address.host) h = (h * 31 + c.charCodeAt(0)) >>> 0
  return h
}

/** A fresh cluster of `n` members (as `startMany`) that all see each other alive, within 3 s of virtual time. */
export const makeConverged = (n: number) =>
  Effect.gen(function*() {
    const cluster = yield* make()
    const members = yield* cluster.startMany(n)
    yield* advanceUntil(allSeeAlive(members, members.map((m) => m.name)), Duration.seconds(3), `all ${n} see each other`)
    return { cluster, members }
  })

/** Whether each of `observers` sees exactly `names`, all alive. */
export const allSeeAlive = (observers: ReadonlyArray<VirtualMember>, names: ReadonlyArray<string>) =>
  Effect.map(
    Effect.forEach(observers, (o) => o.member.members),
    (views) =>
      views.every((view) =>
        view.length === names.length && names.every((name) => view.some((m) => m.name === name && m.state === "alive"))
      )
  )

/** Records every event `member` publishes from now on, until the scope closes. */
export const recordEvents = (member: VirtualMember) =>
  Effect.gen(function*() {
    const seen = yield* Ref.make<ReadonlyArray<Memberlist.MembershipEvent>>([])
    const events = yield* member.member.events
    yield* Effect.forkScoped(Stream.runForEach(events, (event) => Ref.update(seen, (all) => [...all, event])))
    return seen
  })

/** The events about `name`, by tag, in the order they came. */
export const eventsAbout = (events: ReadonlyArray<Memberlist.MembershipEvent>, name: string): ReadonlyArray<string> =>
  events.flatMap((e) => ("member" in e && e.member.name === name ? [e._tag] : []))

/** A counter's value now, summed over every member (metrics are process-wide: compare before and after). */
export const counted = (metric: Metric.Metric.Counter<number>): Effect.Effect<number> => counterTotal(metric)
