/**
 * A cluster member: joins through `Discovery`, talks through `Transport`,
 * behaves as `SwimConfig` says, and tells the application who is in the
 * cluster and what they send.
 *
 * ```ts
 * class Invalidate extends Schema.TaggedClass<Invalidate>()("Invalidate", { key: Schema.String }) {}
 * const Messages = Schema.Union(Invalidate)
 *
 * class Cluster extends Memberlist.Tag("app/Cluster")<Cluster, typeof Messages.Type>() {}
 *
 * const ClusterLive = Memberlist.layer(Cluster, { messages: Messages }).pipe(
 *   Layer.provide(Discovery.static(["10.0.0.5:7946"])),
 *   Layer.provide(Transport.layerNode),
 *   Layer.provide(SwimConfig.layerFromEnv())
 * )
 * ```
 *
 * @since 0.1.0
 */
import { META_MAX_SIZE } from "./internal/limits.js"
import type { Duration, Layer, ParseResult, Schema, Scope, Stream } from "effect"
import { Effect } from "effect"
import { Context, Data } from "effect"
import type { Discovery } from "./Discovery.js"
import type { MemberKeyring } from "./Keyring.js"
import * as internal from "./internal/shell/memberlist.js"
import * as internalMetrics from "./internal/shell/metrics.js"
import { makeUserCodec, type MessageEncoding } from "./internal/shell/userCodec.js"
import type { SwimConfig } from "./SwimConfig.js"
import type { Address, Transport, TransportError } from "./Transport.js"

/**
 * A member's state as this node sees it.
 *
 * @since 0.1.0
 * @category models
 */
export type MemberState = "alive" | "suspect" | "dead" | "left"

/**
 * A member of the cluster.
 *
 * @since 0.1.0
 * @category models
 */
export interface Member {
  readonly name: string
  readonly address: Address
  readonly state: MemberState
  readonly incarnation: number
  /** The member's metadata bytes (at most 512). */
  readonly meta: Uint8Array
  /** Protocol versions `[pMin, pMax, pCur, dMin, dMax, dCur]`. */
  readonly versions: ReadonlyArray<number>
}

/**
 * A change in the cluster, as this node learned it.
 *
 * @since 0.1.0
 * @category models
 */
export type MembershipEvent =
  | { readonly _tag: "MemberJoined"; readonly member: Member; readonly at: number }
  | { readonly _tag: "MemberUpdated"; readonly member: Member; readonly at: number }
  | { readonly _tag: "MemberSuspected"; readonly member: Member; readonly by: string; readonly at: number }
  | { readonly _tag: "MemberRecovered"; readonly member: Member; readonly at: number }
  | { readonly _tag: "MemberFailed"; readonly member: Member; readonly by: string; readonly at: number }
  | { readonly _tag: "MemberLeft"; readonly member: Member; readonly at: number }
  | {
    readonly _tag: "LocalStatusChanged"
    readonly status: "alive" | "leaving" | "left"
    readonly incarnation: number
    readonly cause: "started" | "refuted" | "leaving" | "left" | "rejoined" | "metadata"
    readonly at: number
  }
  | { readonly _tag: "NameConflict"; readonly existing: Member; readonly claimant: Address; readonly at: number }

/**
 * A message that arrived: who sent it (for a broadcast, who broadcast it)
 * and the decoded value.
 *
 * @since 0.1.0
 * @category models
 */
export interface Received<A> {
  readonly from: Address
  /** The member that broadcast it, or undefined for a message sent to us directly. */
  readonly origin: string | undefined
  readonly message: A
}

/**
 * Why an operation failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class MemberlistError extends Data.TaggedError("MemberlistError")<{
  readonly reason:
    | "InvalidMessage" // the value does not fit the message schema
    | "MessageTooLarge" // more than a packet can carry (use sendReliable) or than metadata allows
    | "UnknownMember" // no member by that name
    | "NotRunning" // the member left or has not started
    | "Timeout"
    | "JoinFailed"
    | "Transport"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The member service, for messages of type `A`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Memberlist<A> {
  /** This node as the cluster sees it. */
  readonly localMember: Effect.Effect<Member>
  /** Every member believed alive or suspect, this node included. */
  readonly members: Effect.Effect<ReadonlyArray<Member>>
  /** Every member known, dead and left ones not yet forgotten included. */
  readonly allMembers: Effect.Effect<ReadonlyArray<Member>>
  /**
   * Subscribes now, for as long as the current scope lives. The stream
   * starts with the members alive or suspect at this moment (each as a
   * `MemberJoined`, this node excluded), then carries every event after it:
   * nothing falls between the two. Each subscriber has its own bounded queue
   * (`Options.eventBuffer`); what it cannot hold is dropped and counted.
   */
  readonly events: Effect.Effect<Stream.Stream<MembershipEvent>, never, Scope.Scope>
  /**
   * Subscribes now, for as long as the current scope lives: the stream holds
   * every message that arrives from this moment on, up to its bounded queue
   * (`Options.messageBuffer`); what it cannot hold is dropped and counted.
   */
  readonly receive: Effect.Effect<Stream.Stream<Received<A>>, never, Scope.Scope>
  /** Best effort (UDP): one packet to a member, by name or address. */
  readonly send: (to: string | Address, message: A) => Effect.Effect<void, MemberlistError>
  /** Reliable (TCP): delivered or failed. */
  readonly sendReliable: (to: string | Address, message: A) => Effect.Effect<void, MemberlistError>
  /** Gossips a message to every member (delivered once to each, not to this node). */
  readonly broadcast: (message: A) => Effect.Effect<void, MemberlistError>
  /** Replaces this node's metadata bytes (at most 512) and tells everyone. */
  readonly updateMetadata: (meta: Uint8Array) => Effect.Effect<void, MemberlistError>
  /** Joins (or rejoins) through these addresses; returns how many answered. */
  readonly join: (seeds: ReadonlyArray<Address>) => Effect.Effect<number, MemberlistError>
  /** Leaves gracefully: waits until the leave has been gossiped, or the timeout. */
  readonly leave: (timeout?: Duration.DurationInput) => Effect.Effect<void, MemberlistError>
  /** Lifeguard's local health score: 0 is healthy; higher means this node is slowing down its probes. */
  readonly healthScore: Effect.Effect<number>
  /**
   * This member's encryption keys, changed while it runs (install, use,
   * remove), as memberlist's keyring: a change applies from the next packet
   * or stream, to this member only.
   */
  readonly keyring: MemberKeyring
}

/**
 * Options for a member.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, I> {
  /** The schema of application messages, usually a union of tagged classes. */
  readonly messages: Schema.Schema<A, I>
  /** How messages travel: msgpack (default, compact) or JSON (readable by any peer). */
  readonly encoding?: MessageEncoding | undefined
  /** Initial metadata bytes (at most 512). */
  readonly meta?: Uint8Array | undefined
  /** Join at start through Discovery and fail the layer if no seed answers (default false: start alone and keep trying). */
  readonly requireJoin?: boolean | undefined
  /** How often to ask Discovery again for peers we do not know (default 30 seconds). */
  readonly rediscoverInterval?: Duration.DurationInput | undefined
  /**
   * Leave gracefully when the scope closes (default true). False stops the
   * member silently, as a crash would: the others detect it as failed.
   */
  readonly leaveOnClose?: boolean | undefined
  /** How long closing the scope waits for the leave to be gossiped (default 3 seconds). */
  readonly leaveTimeout?: Duration.DurationInput | undefined
  /** Seed of the protocol's random choices (default: random). */
  readonly seed?: number | undefined
  /** Each event subscriber's queue: capacity and what happens when it is full (default 1024, dropping). */
  readonly eventBuffer?: DeliveryOptions | undefined
  /** Each message subscriber's queue: capacity and what happens when it is full (default 1024, dropping). */
  readonly messageBuffer?: DeliveryOptions | undefined
}

/**
 * A subscriber queue's capacity, and what happens to an item it cannot
 * take: `dropping` drops the new item (the default, as memberlist does),
 * `sliding` drops the oldest, `suspend` makes the member wait for the
 * subscriber (its protocol stalls meanwhile; a subscriber that calls back
 * into the member must not use it). Drops are counted in
 * `metrics.deliveryDropped` and logged. Besides its queue, a subscriber's
 * stream may hold one chunk it took but has not yet processed (at most
 * `capacity` items), so a slow subscriber holds at most twice `capacity`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeliveryOptions {
  readonly capacity?: number | undefined
  readonly strategy?: "dropping" | "sliding" | "suspend" | undefined
}

/**
 * Makes a typed service tag: `class Cluster extends Memberlist.Tag("app/Cluster")<Cluster, Msg>() {}`.
 *
 * @since 0.1.0
 * @category tags
 */
export const Tag = <const Id extends string>(id: Id) => <Self, A>() => Context.Tag(id)<Self, Memberlist<A>>()

/**
 * Starts a member in the current scope: binds nothing itself (the
 * `Transport` has), joins through `Discovery`, runs the protocol in the
 * background, and leaves gracefully when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A, I>(
  options: Options<A, I>
) => Effect.Effect<Memberlist<A>, MemberlistError, SwimConfig | Transport | Discovery | Scope.Scope> = internal.make

/**
 * A layer providing a member under `tag`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Self, A, I>(
  tag: Context.Tag<Self, Memberlist<A>>,
  options: Options<A, I>
): Layer.Layer<Self, MemberlistError, SwimConfig | Transport | Discovery> => internal.layer(tag, options)

/**
 * Typed node metadata: a schema for the (at most 512) bytes each member
 * carries. `encode` gives the bytes for `Options.meta` or `updateMetadata`;
 * `decode` reads another member's, failing if they do not fit the schema.
 *
 * ```ts
 * const Zone = Memberlist.metadata(Schema.Struct({ zone: Schema.String }))
 * yield* cluster.updateMetadata(yield* Zone.encode({ zone: "eu-west-1a" }))
 * const zones = yield* Effect.forEach(yield* cluster.members, (m) => Effect.option(Zone.decode(m)))
 * ```
 *
 * @since 0.1.0
 * @category metadata
 */
export const metadata = <M, I>(
  schema: Schema.Schema<M, I>,
  encoding: MessageEncoding = "msgpack"
): {
  readonly encode: (value: M) => Effect.Effect<Uint8Array, ParseResult.ParseError | MemberlistError>
  readonly decode: (member: Member) => Effect.Effect<M, ParseResult.ParseError>
} => {
  const codec = makeUserCodec(schema, encoding)
  return {
    encode: (value) =>
      Effect.flatMap(codec.encode(value), (bytes) =>
        bytes.length > META_MAX_SIZE
          ? Effect.fail(new MemberlistError({ reason: "MessageTooLarge", message: `metadata is ${bytes.length} bytes, over ${META_MAX_SIZE}` }))
          : Effect.succeed(bytes)),
    decode: (member) => codec.decode(member.meta)
  }
}

/**
 * The member's metrics: packets and bytes in and out, decoder rejections and
 * core drops (tagged with `reason`), probes, suspicions, deaths, push/pulls,
 * queue depths, local health and live members; and what each bound dropped:
 * events and messages a full subscriber could not take (tagged `stream`),
 * stream requests closed unanswered, stream exchanges refused and packets the
 * send queue could not take. Read them with
 * `Metric.value`, or export them with any Effect metrics backend.
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics = {
  packetsOut: internalMetrics.packetsOut,
  packetsIn: internalMetrics.packetsIn,
  bytesOut: internalMetrics.bytesOut,
  bytesIn: internalMetrics.bytesIn,
  decodeRejected: internalMetrics.decodeRejected,
  coreDropped: internalMetrics.coreDropped,
  probes: internalMetrics.probes,
  suspicions: internalMetrics.suspicions,
  deaths: internalMetrics.deaths,
  userMessagesRejected: internalMetrics.userMessagesRejected,
  pushPulls: internalMetrics.pushPulls,
  healthScore: internalMetrics.healthScore,
  membershipQueue: internalMetrics.membershipQueue,
  userQueue: internalMetrics.userQueue,
  aliveMembers: internalMetrics.aliveMembers,
  deliveryDropped: internalMetrics.deliveryDropped,
  streamsUnanswered: internalMetrics.streamsUnanswered,
  streamsRefused: internalMetrics.streamsRefused,
  outboxDropped: internalMetrics.outboxDropped
} as const

export type {
  /**
   * @since 0.1.0
   */
  MessageEncoding,
  /**
   * @since 0.1.0
   */
  TransportError
}
