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
 * const ClusterLive = Memberlist.layerNode(Cluster, {
 *   messages: Messages,
 *   config: SwimConfig.fromEnv(),
 *   discovery: Discovery.makeStatic(["10.0.0.5:7946"])
 * })
 * ```
 *
 * `Memberlist.layer(Cluster, { messages: Messages })` is the same member
 * built from `Discovery`, `Transport` and `SwimConfig` layers
 * (`Layer.provide` each), for services that are themselves layers.
 *
 * @since 0.1.0
 */
import { META_MAX_SIZE } from "./internal/limits.js"
import type { Layer, ParseResult, Schema, Scope, Stream } from "effect"
import { Duration, Effect } from "effect"
import { Context, Data } from "effect"
import type { Discovery, DiscoveryError, DiscoveryShape } from "./Discovery.js"
import { formatAddress } from "./internal/swim/messages.js"
import type { MemberKeyring } from "./Keyring.js"
import * as internal from "./internal/shell/memberlist.js"
import * as internalLayer from "./internal/shell/memberLayer.js"
import * as guardMetrics from "./internal/shell/guardMetrics.js"
import * as internalMetrics from "./internal/shell/metrics.js"
import { makeUserCodec, type MessageEncoding } from "./internal/shell/userCodec.js"
import type { SwimConfig, SwimConfigError, SwimConfigShape } from "./SwimConfig.js"
import type { Address, Transport, TransportError, TransportShape } from "./Transport.js"

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
  | {
    readonly _tag: "MemberUpdated"
    readonly member: Member
    readonly at: number
    /**
     * What changed: `"metadata"` (the member announced new metadata) or
     * `"address"` (the member answers at a new address, `member.address`,
     * and no longer at `previousAddress`: a restart under the same name, see
     * docs/address-change.md). Optional for events built by hand; this node
     * always sets it.
     */
    readonly cause?: "metadata" | "address" | undefined
    /**
     * With cause `"address"`: where the member was before.
     */
    readonly previousAddress?: Address | undefined
  }
  | { readonly _tag: "MemberSuspected"; readonly member: Member; readonly by: string; readonly at: number }
  | { readonly _tag: "MemberRecovered"; readonly member: Member; readonly at: number }
  | { readonly _tag: "MemberFailed"; readonly member: Member; readonly by: string; readonly at: number }
  | { readonly _tag: "MemberLeft"; readonly member: Member; readonly at: number }
  | {
    readonly _tag: "LocalStatusChanged"
    readonly status: "alive" | "leaving" | "left"
    readonly incarnation: number
    /**
     * `isolated`: this member lost its last live peer (its view holds no one
     * else alive); `connected`: it has one again. The others are its own changes.
     */
    readonly cause: "started" | "refuted" | "leaving" | "left" | "rejoined" | "metadata" | "isolated" | "connected"
    readonly at: number
  }
  /**
   * Another address claimed `existing`'s name, and `existing` still answers
   * at its own address, so it keeps the name; published once per claimant
   * while `existing` stays where it is. Published on a member about itself
   * when another process at `claimant` holds its name.
   */
  | { readonly _tag: "NameConflict"; readonly existing: Member; readonly claimant: Address; readonly at: number }

/**
 * A suspicion this member holds of another: who accused the suspect (the
 * first accuser first; the others confirmed it), when it began and when the
 * suspect is declared dead unless it refutes first (epoch ms).
 *
 * @since 0.1.0
 * @category models
 */
export interface Suspicion {
  readonly suspect: string
  readonly accusers: ReadonlyArray<string>
  readonly startedAt: number
  readonly deadline: number
  /** How many confirmations bring the deadline down to its minimum (Lifeguard). */
  readonly expectedConfirmations: number
}

/**
 * What this member knows of suspicions: those it holds now, oldest first,
 * and the longest a suspicion formed now may last (so an accusation of this
 * member that it refuted is over, everywhere, that long after at most).
 *
 * @since 0.1.0
 * @category models
 */
export interface Suspicions {
  readonly held: ReadonlyArray<Suspicion>
  readonly maxTimeout: Duration.Duration
}

/**
 * A message that arrived: where from, which member sent it, who broadcast
 * it (for a broadcast), and the decoded value.
 *
 * @since 0.1.0
 * @category models
 */
export interface Received<A> {
  /** The address it came from: for `sendReliable`, the sender's temporary TCP port. */
  readonly from: Address
  /**
   * The member that sent it to us, by name, whenever that can be known: a
   * packet (`send`, or a broadcast's last hop) by its source address, which
   * is the member's own; a `sendReliable` from another effect-memberlist
   * member by the name it carries. Undefined for a stream from a node that
   * does not name itself (a Go memberlist node) and for an address that is
   * no member we know.
   */
  readonly sender: string | undefined
  /** The member that broadcast it, or undefined for a message sent to us directly. */
  readonly origin: string | undefined
  readonly message: A
}

/**
 * The value does not fit the message schema, so it was not sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidMessage extends Data.TaggedError("InvalidMessage")<{
  readonly message: string
  readonly cause: ParseResult.ParseError
}> {
  constructor(props: { readonly cause: ParseResult.ParseError }) {
    super({ ...props, message: `the message does not fit its schema: ${props.cause.message}` })
  }
}

/**
 * The encoded message does not fit where it was to go: one UDP packet for
 * `send`, one gossip packet for `broadcast`. `sendReliable` has no such limit.
 *
 * @since 0.1.0
 * @category errors
 */
export class MessageTooLarge extends Data.TaggedError("MessageTooLarge")<{
  readonly message: string
  /** The encoded size, in bytes. */
  readonly size: number
  /** The most that fits, in bytes. */
  readonly limit: number
}> {
  constructor(props: { readonly size: number; readonly limit: number }) {
    super({ ...props, message: `the message takes ${props.size} bytes, over the ${props.limit} bytes one packet holds; use sendReliable` })
  }
}

/**
 * Metadata over the 512 bytes a member may carry.
 *
 * @since 0.1.0
 * @category errors
 */
export class MetadataTooLarge extends Data.TaggedError("MetadataTooLarge")<{
  readonly message: string
  readonly size: number
  readonly limit: number
}> {
  constructor(props: { readonly size: number; readonly limit: number }) {
    super({ ...props, message: `metadata is ${props.size} bytes, over the ${props.limit}-byte limit` })
  }
}

/**
 * No member alive or suspect by that name (never heard of, dead, or left).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownMember extends Data.TaggedError("UnknownMember")<{
  readonly message: string
  readonly name: string
}> {
  constructor(props: { readonly name: string }) {
    super({ ...props, message: `no live member named ${props.name}` })
  }
}

/**
 * This member is leaving or has left the cluster, so it gossips nothing new
 * until it joins again.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotRunning extends Data.TaggedError("NotRunning")<{
  readonly message: string
  /** The operation refused. */
  readonly operation: "broadcast" | "updateMetadata"
}> {
  constructor(props: { readonly operation: "broadcast" | "updateMetadata" }) {
    super({ ...props, message: `cannot ${props.operation}: this member is leaving or has left; join again first` })
  }
}

/**
 * A join reached no one: none of the seeds answered (or, at start with
 * `requireJoin`, discovery itself failed: then `cause` says why).
 *
 * @since 0.1.0
 * @category errors
 */
export class JoinFailed extends Data.TaggedError("JoinFailed")<{
  readonly message: string
  /** The addresses tried. */
  readonly seeds: ReadonlyArray<Address>
  readonly cause?: DiscoveryError | undefined
}> {
  constructor(props: { readonly seeds: ReadonlyArray<Address>; readonly cause?: DiscoveryError | undefined }) {
    super({
      ...props,
      message: props.cause !== undefined
        ? `discovery failed: ${props.cause.message}`
        : `none of the ${props.seeds.length} seeds answered: ${props.seeds.map(formatAddress).join(", ")}`
    })
  }
}

/**
 * The leave was not gossiped as often as memberlist requires before the
 * timeout. The member has left all the same; some members may learn it
 * only when their probes fail.
 *
 * @since 0.1.0
 * @category errors
 */
export class LeaveTimeout extends Data.TaggedError("LeaveTimeout")<{
  readonly message: string
  readonly timeout: Duration.Duration
}> {
  constructor(props: { readonly timeout: Duration.Duration }) {
    super({ ...props, message: `the leave was not fully gossiped within ${Duration.format(props.timeout)}` })
  }
}

/**
 * The transport could not send to `to`: `cause` says how (refused, no
 * connection, timed out, stream broken, closed).
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportFailed extends Data.TaggedError("TransportFailed")<{
  readonly message: string
  readonly to: Address
  readonly cause: TransportError
}> {
  constructor(props: { readonly to: Address; readonly cause: TransportError }) {
    super({ ...props, message: props.cause.message })
  }
}

/**
 * An option of `make` (or a field of `SwimConfig`) cannot be used: `option`
 * names it, `problem` says why. Found before the member starts.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptions extends Data.TaggedError("InvalidOptions")<{
  readonly message: string
  readonly option: string
  readonly problem: string
}> {
  constructor(props: { readonly option: string; readonly problem: string }) {
    super({ ...props, message: `${props.option}: ${props.problem}` })
  }
}

/**
 * A second member was started on a transport another member already uses.
 * Each member needs sockets of its own: with one transport, members would
 * share an address and steal each other's packets. This happens when several
 * `Memberlist.layer`s in one layer graph are each given `Transport.layerNode`:
 * Effect builds that one layer value once and shares it. Give each member
 * `Layer.fresh(Transport.layerNode)`, or build each member's layers apart.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportInUse extends Data.TaggedError("TransportInUse")<{
  readonly message: string
  /** The address the shared transport is bound to. */
  readonly address: Address
  /** The member already using it. */
  readonly member: string
}> {
  constructor(props: { readonly address: Address; readonly member: string }) {
    super({
      ...props,
      message: `the transport bound to ${formatAddress(props.address)} already serves member '${props.member}'; ` +
        "give each member its own transport (Layer.fresh(Transport.layerNode), or a layer graph of its own)"
    })
  }
}

/**
 * Every error a member's operations can fail with; each operation's type
 * names the ones it really can.
 *
 * @since 0.1.0
 * @category errors
 */
export type MemberlistError =
  | InvalidMessage
  | MessageTooLarge
  | MetadataTooLarge
  | UnknownMember
  | NotRunning
  | JoinFailed
  | LeaveTimeout
  | TransportFailed
  | InvalidOptions
  | TransportInUse

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
  /**
   * Best effort (UDP): one packet to a member, by name or address. Fails
   * when the name is no live member's, the value fails the schema, it does
   * not fit one packet, or the operating system refuses the packet.
   */
  readonly send: (
    to: string | Address,
    message: A
  ) => Effect.Effect<void, UnknownMember | InvalidMessage | MessageTooLarge | TransportFailed>
  /** Reliable (TCP): delivered or failed. */
  readonly sendReliable: (
    to: string | Address,
    message: A
  ) => Effect.Effect<void, UnknownMember | InvalidMessage | TransportFailed>
  /**
   * Gossips a message to every member (delivered once to each, not to this
   * node). Fails when the value fails the schema, does not fit one gossip
   * packet, or this member has left. A Go memberlist member gets the plain
   * encoded message, at most once, from this node alone, as a Go broadcaster
   * would send it (in a large cluster it may miss one, as there).
   *
   * With a `key` (at most 255 UTF-8 bytes, else `InvalidOptions`), a newer
   * broadcast with the same key replaces the older one wherever it is still
   * queued, and an older one that arrives after a newer one is not delivered:
   * every member ends with the latest value, and a key updated many times
   * costs about as much gossip as one update (foca's `Invalidates`,
   * memberlist's `NamedBroadcast`). Members may see some intermediate values.
   */
  readonly broadcast: (
    message: A,
    options?: { readonly key?: string | undefined }
  ) => Effect.Effect<void, InvalidMessage | MessageTooLarge | NotRunning | InvalidOptions>
  /** Replaces this node's metadata bytes (at most 512) and tells everyone; refused once this member leaves. */
  readonly updateMetadata: (meta: Uint8Array) => Effect.Effect<void, MetadataTooLarge | NotRunning>
  /** Joins (or rejoins) through these addresses; returns how many answered, failing when none did. */
  readonly join: (seeds: ReadonlyArray<Address>) => Effect.Effect<number, JoinFailed>
  /** Leaves gracefully: waits until the leave has been gossiped, failing if the timeout comes first. */
  readonly leave: (timeout?: Duration.DurationInput) => Effect.Effect<void, LeaveTimeout>
  /** Lifeguard's local health score: 0 is healthy; higher means this node is slowing down its probes. */
  readonly healthScore: Effect.Effect<number>
  /** The suspicions this member holds of others, read between two protocol steps. */
  readonly suspicions: Effect.Effect<Suspicions>
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
  /**
   * The application state this member sends in every push/pull (at a join
   * and periodically; memberlist's `Delegate.LocalState`): `join` says which.
   * Asked on the push/pull's own fiber, so calls may overlap. Bytes over
   * `maxAppStateSize`, a failure, or no answer within the TCP timeout send
   * no state (counted in `metrics.appState`, logged). Default: none.
   */
  readonly localState?: ((join: boolean) => Effect.Effect<Uint8Array>) | undefined
  /**
   * Receives the application state another node sent in a push/pull
   * (memberlist's `Delegate.MergeRemoteState`), once the membership it came
   * with was merged; empty state is not passed on. Called one state at a
   * time, in order, never on the protocol's own fiber; states arriving while
   * 64 wait are dropped (counted in `metrics.appState`).
   */
  readonly mergeRemoteState?: ((state: Uint8Array, join: boolean) => Effect.Effect<void>) | undefined
  /** Largest application state sent or passed on, in bytes (default 1 MiB). */
  readonly maxAppStateSize?: number | undefined
  /**
   * Refuses a node as a member (memberlist's `AliveDelegate.NotifyAlive`):
   * return why to refuse it, undefined to admit it. Asked, inside the
   * protocol step, of every alive message that would change what this
   * member knows of another node, from gossip or push/pull; a refused node
   * never enters `members` and causes no event, and an admitted member's
   * refused update is ignored. A plain function, not an Effect: it runs
   * inside the protocol step, so it must be pure and quick (docs/app-state.md
   * says why); a throw refuses. Refusals are counted in `metrics.refusals`
   * and logged.
   */
  readonly filterJoin?: ((candidate: JoinCandidate) => string | undefined) | undefined
  /**
   * Refuses a whole push/pull (memberlist's `MergeDelegate.NotifyMerge`,
   * which memberlist asks at joins only; this is asked at every push/pull,
   * `join` telling which): return why to merge nothing of it - neither its
   * members nor its application state - or undefined to merge it. A join
   * whose every seed was refused fails with `JoinFailed`. Same rules as
   * `filterJoin`.
   */
  readonly filterMerge?: ((peers: ReadonlyArray<Member>, join: boolean) => string | undefined) | undefined
}

/**
 * A node asking to be a member, as `Options.filterJoin` sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface JoinCandidate {
  readonly name: string
  readonly address: Address
  readonly meta: Uint8Array
  /** `[pMin, pMax, pCur, dMin, dMax, dCur]`. */
  readonly versions: ReadonlyArray<number>
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
 * What starting a member can fail with: an unusable option, a required
 * join that reached no one, or a transport another member already uses.
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError = InvalidOptions | JoinFailed | TransportInUse

/**
 * Starts a member in the current scope: binds nothing itself (the
 * `Transport` has, and it must be this member's alone: see `layer`), joins
 * through `Discovery`, runs the protocol in the background, and leaves
 * gracefully when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A, I>(
  options: Options<A, I>
) => Effect.Effect<Memberlist<A>, StartError, SwimConfig | Transport | Discovery | Scope.Scope> = internal.make

/**
 * A layer providing a member under `tag`.
 *
 * Each member needs a transport of its own. Effect builds a layer value
 * once per layer graph and shares it, so several members merged in one
 * graph (`Layer.mergeAll`), each given `Layer.provide(Transport.layerNode)`,
 * would all get the same sockets: the second one fails with
 * `TransportInUse`. Give each `Layer.fresh(Transport.layerNode)` (with a
 * `SwimConfig` of its own, so each binds its own port), build each
 * member's layers separately, or use `layerNode`, whose every call makes a
 * transport of its own (and which starts a member with a sixth of the
 * interpreter steps three `Layer.provide` take):
 *
 * ```ts
 * const member = (name: string) =>
 *   Memberlist.layer(Cluster, { messages: Messages }).pipe(
 *     Layer.provide(Layer.fresh(Transport.layerNode)),
 *     Layer.provide(SwimConfig.layer(SwimConfig.local({ name, bindPort: 0 })))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Self, A, I>(
  tag: Context.Tag<Self, Memberlist<A>>,
  options: Options<A, I>
): Layer.Layer<Self, StartError, SwimConfig | Transport | Discovery> => internal.layer(tag, options)

/**
 * What `layerNode` takes besides a member's `Options`: its configuration,
 * its discovery and, optionally, its transport, each a value or an effect
 * that makes one (run once, when the layer is built, in this order).
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeOptions<A, I, EC = never, RC = never, ED = never, RD = never, ET = never, RT = never>
  extends Options<A, I>
{
  /**
   * The configuration, validated before anything binds: `SwimConfig.local({...})`,
   * or an effect such as `SwimConfig.config` (read from the `ConfigProvider`).
   */
  readonly config: SwimConfigShape | Effect.Effect<SwimConfigShape, EC, RC>
  /**
   * Where the seeds are: `Discovery.makeStatic([...])`, `Discovery.makeDns({...})`, any
   * `Discovery.make(...)`. Default: none, the member joins only when `join` is called.
   */
  readonly discovery?: DiscoveryShape | Effect.Effect<DiscoveryShape, ED, RD> | undefined
  /**
   * The member's transport, made in the layer's scope and released after the
   * member stopped. Default: the Node transport on the configuration's
   * `bindHost` and `bindPort` (`Transport.makeNode`).
   */
  readonly transport?: Effect.Effect<TransportShape, ET, RT> | undefined
}

/**
 * Starts a member in the current scope, as `make` does, on services given
 * as values or effects (see `NodeOptions`) rather than read from the
 * context: by default on a Node transport of its own, bound on the
 * configuration's `bindHost` and `bindPort` and released after the member
 * stopped. `layerNode` is this as a layer; an application that starts many
 * members in one process (a test, a simulation) skips the layer's
 * memoization by starting each with `makeNode` in a scope of its own.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNode: <A, I, EC = never, RC = never, ED = never, RD = never, ET = never, RT = never>(
  options: NodeOptions<A, I, EC, RC, ED, RD, ET, RT>
) => Effect.Effect<
  Memberlist<A>,
  StartError | SwimConfigError | TransportError | EC | ED | ET,
  RC | RD | RT | Scope.Scope
> = internalLayer.makeNode

/**
 * A member as one layer, on its own Node transport: the configuration,
 * discovery and transport given as values or effects rather than as layers.
 * It provides what `layer` with three `Layer.provide` does, with a sixth of
 * the interpreter steps and half the CPU: Effect memoizes each layer of a
 * graph, with a scope and a finalizer of its own, and each `Layer.provide`
 * adds four, which a process starting many members pays for every one. Each call makes a
 * layer with its own transport, so members built this way never share one.
 *
 * ```ts
 * const ClusterLive = (name: string, seeds: ReadonlyArray<string>) =>
 *   Memberlist.layerNode(Cluster, {
 *     messages: Messages,
 *     config: SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 7946 }),
 *     discovery: Discovery.makeStatic(seeds)
 *   })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNode = <Self, A, I, EC = never, RC = never, ED = never, RD = never, ET = never, RT = never>(
  tag: Context.Tag<Self, Memberlist<A>>,
  options: NodeOptions<A, I, EC, RC, ED, RD, ET, RT>
): Layer.Layer<
  Self,
  StartError | SwimConfigError | TransportError | EC | ED | ET,
  Exclude<RC | RD | RT, Scope.Scope>
> => internalLayer.layerNode(tag, options)

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
  readonly encode: (value: M) => Effect.Effect<Uint8Array, ParseResult.ParseError | MetadataTooLarge>
  readonly decode: (member: Member) => Effect.Effect<M, ParseResult.ParseError>
} => {
  const codec = makeUserCodec(schema, encoding)
  return {
    encode: (value) =>
      Effect.flatMap(codec.encode(value), (bytes) =>
        bytes.length > META_MAX_SIZE
          ? Effect.fail(new MetadataTooLarge({ size: bytes.length, limit: META_MAX_SIZE }))
          : Effect.succeed(bytes)),
    decode: (member) => codec.decode(member.meta)
  }
}

/**
 * The member's metrics: packets and bytes in and out, decoder rejections and
 * core drops (tagged with `reason`), probes, suspicions, deaths, push/pulls,
 * queue depths, local health and live members; what each bound dropped:
 * events and messages a full subscriber could not take (tagged `stream`),
 * stream requests closed unanswered, stream exchanges refused and packets the
 * send queue could not take; packets the local socket refused, packets
 * dropped before decoding for their source's rate, and encrypted packets
 * dropped as replays (see docs/security.md); application state sent, merged
 * and dropped (`appState`, by reason) and what the filters refused
 * (`refusals`, by filter); and three histograms, in milliseconds: probe
 * round trips, suspicion to death, and join duration (see
 * `histogramBoundaries` and docs/observability.md).
 *
 * Every member updates its own series, labelled `member=<name>` (after the
 * metric's own label, if any), so members in one process are told apart.
 * Read one member's with `Metric.value(Metric.tagged(metric, "member",
 * name))`, or export them all with any Effect metrics backend.
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
  outboxDropped: internalMetrics.outboxDropped,
  inboundStreamsEvicted: internalMetrics.inboundStreamsEvicted,
  appState: internalMetrics.appState,
  refusals: internalMetrics.refusals,
  /** `memberlist_probe_rtt_ms`: time from a probe's ping to its first ack (direct, relayed or by stream), for acked probes. */
  probeRtt: internalMetrics.probeRtt,
  /** `memberlist_suspicion_to_death_ms`: for each member this one declared dead, how long it had held it suspect. */
  suspicionToDeath: internalMetrics.suspicionToDeath,
  /** `memberlist_join_duration_ms`: time from a join's start until the state of its first seed to answer was merged. */
  joinDuration: internalMetrics.joinDuration,
  /**
   * `memberlist_metric_series_retired`, with no `member` label: series of stopped members removed from Effect's
   * registry. A stopped member's series stay for the 64 names stopped most recently, then go, so that a process
   * starting members under ever new names does not keep every name's series.
   */
  seriesRetired: internalMetrics.seriesRetired,
  sendsFailed: guardMetrics.sendsFailed,
  packetsRateLimited: guardMetrics.packetsRateLimited,
  packetsReplayed: guardMetrics.packetsReplayed
} as const

/**
 * The upper bounds, in milliseconds, of the buckets of the histograms in
 * `metrics` (a last bucket takes everything above).
 *
 * @since 0.1.0
 * @category metrics
 */
export const histogramBoundaries: {
  readonly probeRtt: ReadonlyArray<number>
  readonly suspicionToDeath: ReadonlyArray<number>
  readonly joinDuration: ReadonlyArray<number>
} = {
  probeRtt: internalMetrics.probeRttBoundaries,
  suspicionToDeath: internalMetrics.suspicionToDeathBoundaries,
  joinDuration: internalMetrics.joinDurationBoundaries
}

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
