/**
 * Leader election on top of a running member, zgroup's way: Raft's
 * election (terms, one vote per term, randomised timeouts, heartbeats from
 * the leader), without the log, over SWIM's view of who is alive. Every
 * member that runs it names the leader it knows; users run a singleton job
 * on the member that leads.
 *
 * Best effort: at most one leader per term as the members see it, and a
 * leader that goes away is replaced within a few election timeouts. There
 * is no fencing: across terms or a partition two members may both believe
 * they lead for a moment, so guard external resources with the term as a
 * fencing token. See docs/leader.md.
 *
 * ```ts
 * const LeaderLive = Leader.layer(Cluster)          // Cluster: your Memberlist tag
 *
 * const singleton = Effect.gen(function*() {
 *   const leader = yield* Leader.Leader
 *   // Runs the job each time this member becomes leader, interrupting it when it stops being one.
 *   yield* leader.whileLeader(compactTheDatabase)
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { Duration, Option, Scope, Stream } from "effect"
import { Context, Effect, Layer } from "effect"
import * as internal from "./internal/shell/leader.js"
import { systemMessagesDropped } from "./internal/shell/systemChannel.js"
import type { DeliveryOptions, InvalidOptions, Memberlist } from "./Memberlist.js"

/**
 * The leader a member names, and the term it leads. `leader` is none while
 * the member knows of no live leader (during an election, or after the
 * leader went silent).
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaderState {
  readonly leader: Option.Option<string>
  /** The election term: it only grows; use it as a fencing token. */
  readonly term: number
}

/**
 * A member's view of the election.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaderElection {
  /**
   * The state now, then every change, for as long as the stream runs. Each
   * subscriber has a bounded queue (`Options.changesBuffer`); by default the
   * oldest change is dropped when it is full, so a slow reader still ends on
   * the latest state. It ends when the election's scope closes.
   */
  readonly changes: Stream.Stream<LeaderState>
  /** The state now (no leader once the election's scope has closed). */
  readonly current: Effect.Effect<LeaderState>
  /** The leader this member names now, if any. */
  readonly leader: Effect.Effect<Option.Option<string>>
  /** Whether this member leads now. */
  readonly isLeader: Effect.Effect<boolean>
  /** The term this member is in now. */
  readonly term: Effect.Effect<number>
  /**
   * Runs `job` each time this member becomes leader and interrupts it when
   * it stops being leader; a job that ends early is not restarted until the
   * next term this member leads. Runs until interrupted, or until the
   * election's scope closes (which stops the job too).
   */
  readonly whileLeader: <A, E, R>(job: Effect.Effect<A, E, R>) => Effect.Effect<void, E, R>
}

/**
 * The election service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Leader extends Context.Tag("effect-memberlist/Leader")<Leader, LeaderElection>() {}

/**
 * Timings of the election; the defaults suit a LAN (memberlist's LAN preset).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How often the leader tells every member it still leads (default 1 second). */
  readonly heartbeatInterval?: Duration.DurationInput | undefined
  /**
   * How long a member waits without hearing the leader before it asks for an
   * election, drawn anew in [min, max) each time it hears one (default 3 to 6
   * seconds). `min` must hold at least two heartbeat intervals.
   */
  readonly electionTimeout?: { readonly min: Duration.DurationInput; readonly max: Duration.DurationInput } | undefined
  /** Seed of the random timeouts (default: random). */
  readonly seed?: number | undefined
  /**
   * Each `changes` subscriber's queue (default 16, sliding: the oldest change
   * goes). `suspend` would stall the election behind a slow subscriber, and a
   * stalled leader stops heartbeating: prefer `sliding`.
   */
  readonly changesBuffer?: DeliveryOptions | undefined
}

/**
 * Runs the election for `member` in the current scope. Every member of the
 * cluster that runs effect-memberlist counts towards the quorum, so run it
 * on every one of them (members that do not never vote). Go memberlist
 * nodes take no part. Fails with `InvalidOptions` for unusable timings, or
 * for a member not made by `Memberlist.make` or `Memberlist.layer`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A>(
  member: Memberlist<A>,
  options?: Options
) => Effect.Effect<LeaderElection, InvalidOptions, Scope.Scope> = internal.make

/**
 * A layer providing `Leader` for the member under `tag`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Self, A>(
  tag: Context.Tag<Self, Memberlist<A>>,
  options?: Options
): Layer.Layer<Leader, InvalidOptions, Self> => Layer.scoped(Leader, Effect.flatMap(tag, (member) => make(member, options)))

/**
 * The election's metrics: elections this member won, changes of the leader
 * it names, its term, and system messages (election messages among them)
 * dropped, tagged with `reason`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics = {
  electionsWon: internal.electionsWon,
  leaderChanges: internal.leaderChanges,
  term: internal.leaderTerm,
  systemMessagesDropped
} as const
