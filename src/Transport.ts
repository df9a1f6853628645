/**
 * How members reach each other: best-effort packets (UDP) and reliable
 * streams (TCP). The Node implementation binds real sockets; the memory
 * implementation connects members inside one process, for tests.
 *
 * @since 0.1.0
 */
import type { Metric, Scope, Stream } from "effect"
import { Context, Effect, Layer } from "effect"
import { SwimConfig } from "./SwimConfig.js"
import { formatAddress as internalFormatAddress } from "./internal/swim/messages.js"
import * as internalError from "./internal/transport/error.js"
import * as internalMemory from "./internal/transport/memory.js"
import * as internalMetrics from "./internal/transport/metrics.js"
import * as internalNode from "./internal/transport/node.js"

/**
 * A host (IP literal) and port.
 *
 * @since 0.1.0
 * @category models
 */
export interface Address {
  readonly host: string
  readonly port: number
}

/**
 * Renders an address as `host:port`, or `[host]:port` for IPv6, the form
 * every option and log line of this library uses.
 *
 * @since 0.1.0
 * @category models
 */
export const formatAddress: (address: Address) => string = internalFormatAddress

/**
 * A packet that arrived.
 *
 * @since 0.1.0
 * @category models
 */
export interface Packet {
  readonly from: Address
  readonly bytes: Uint8Array
}

/**
 * One reliable, ordered byte stream with a peer. Reads return chunks of any
 * size in order; `undefined` means the peer closed its side.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  readonly remote: Address
  /** The next chunk, or undefined at end of stream. */
  readonly read: Effect.Effect<Uint8Array | undefined, TransportError>
  /** Writes all of `bytes`. */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, TransportError>
  /** Closes both directions; safe to call twice. */
  readonly close: Effect.Effect<void>
}

/**
 * Why a transport operation failed. `reason` is one of `BindFailed`,
 * `SendFailed`, `ConnectFailed`, `Timeout`, `StreamFailed`, `Closed`; the
 * message names the address involved.
 *
 * (Defined in `internal/transport/error.ts` so the implementations can build
 * it without importing this module; this is the same class.)
 *
 * @since 0.1.0
 * @category errors
 */
export const TransportError: typeof internalError.TransportError = internalError.TransportError

/**
 * @since 0.1.0
 * @category errors
 */
export type TransportError = internalError.TransportError

/**
 * The transport service.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransportShape {
  /** The address the sockets are bound to (with the real port when 0 was asked for). */
  readonly boundAddress: Address
  /** Incoming packets. Consumed by one reader (the Memberlist shell). */
  readonly packets: Stream.Stream<Packet>
  /** Sends one datagram; errors are returned, never thrown. */
  readonly sendPacket: (to: Address, bytes: Uint8Array) => Effect.Effect<void, TransportError>
  /** Incoming stream connections. Consumed by one reader. Each is closed when its handler's scope closes. */
  readonly connections: Stream.Stream<Connection>
  /** Opens a stream to `to`, failing with `Timeout` after `timeoutMillis`; closed with the scope. */
  readonly connect: (to: Address, timeoutMillis: number) => Effect.Effect<Connection, TransportError, Scope.Scope>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Transport extends Context.Tag("effect-memberlist/Transport")<Transport, TransportShape>() {}

/**
 * Options of `makeNode`.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeOptions {
  /** IP literal to bind (`0.0.0.0` or `::` for every interface; `::` also takes IPv4 peers). */
  readonly host: string
  /** Port for both UDP and TCP; 0 picks a port free for both. */
  readonly port: number
  /** Larger incoming packets are dropped and counted. Default 65 KiB (memberlist's receive buffer). */
  readonly maxPacketSize?: number | undefined
  /** Received packets waiting for the reader before new ones are dropped and counted. Default 1024. */
  readonly packetQueueCapacity?: number | undefined
  /** Accepted streams waiting for the reader before new ones are closed and counted. Default 64. */
  readonly connectionQueueCapacity?: number | undefined
}

/**
 * A transport on real sockets: UDP (`node:dgram`) and TCP (`node:net`) bound
 * to the same port, as memberlist does. With port 0, TCP picks a free port
 * and UDP binds the same one (trying a few ports if UDP's is taken). A busy
 * address fails with `BindFailed`. Every socket, including open streams, is
 * closed when the scope closes; the port is free again afterwards.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNode: (options: NodeOptions) => Effect.Effect<TransportShape, TransportError, Scope.Scope> =
  internalNode.makeNode

/**
 * The Node transport bound to `SwimConfig`'s `bindHost` and `bindPort`.
 *
 * One transport serves one member. This is one layer value, and Effect
 * builds a layer value once per layer graph: several members merged in one
 * graph (`Layer.mergeAll`), each given `Layer.provide(Transport.layerNode)`,
 * would share one set of sockets, so the second member fails at start with
 * `Memberlist.TransportInUse`. Give each member
 * `Layer.fresh(Transport.layerNode)` (and a `SwimConfig` of its own),
 * build each member's layers separately, or build each with
 * `Memberlist.layerNode`, which binds a Node transport of its own.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNode: Layer.Layer<Transport, TransportError, SwimConfig> = Layer.scoped(
  Transport,
  Effect.flatMap(SwimConfig, (config) => makeNode({ host: config.bindHost, port: config.bindPort }))
)

/**
 * Decides whether the memory network drops a packet (true drops it).
 *
 * @since 0.1.0
 * @category models
 */
export type PacketFilter = (packet: { readonly from: Address; readonly to: Address; readonly bytes: Uint8Array }) => boolean

/**
 * Options of `makeMemoryNetwork`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryNetworkOptions {
  /** Larger packets are dropped and counted at the destination. Default 65 KiB. */
  readonly maxPacketSize?: number | undefined
  /** Per-member queue of received packets. Default 1024. */
  readonly packetQueueCapacity?: number | undefined
  /** Per-member queue of accepted streams. Default 64. */
  readonly connectionQueueCapacity?: number | undefined
}

/**
 * Packet counts of a memory network since it was made.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryNetworkStats {
  /** Packets put into a destination's queue. */
  readonly delivered: number
  /** Packets lost to a fault (loss, filter, partition, disconnect) or sent to no one. */
  readonly lost: number
}

/**
 * An in-process network for tests: members register at an address and
 * exchange packets and streams with the semantics of the Node transport.
 * Packets reach the destination's queue and are read on its own fiber, never
 * inside the sender's call. Faults apply to packets and new streams; open
 * streams crossing a new partition or touching a disconnected node fail with
 * `StreamFailed`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryNetwork {
  /** Registers a member at `address` (port 0 picks one); it leaves when the scope closes. A taken address is `BindFailed`. */
  readonly make: (address: Address) => Effect.Effect<TransportShape, TransportError, Scope.Scope>
  /** `make` as a layer. */
  readonly layer: (address: Address) => Layer.Layer<Transport, TransportError>
  /** The registered members' addresses. */
  readonly members: Effect.Effect<ReadonlyArray<Address>>
  /** Delivered and lost packet counts. */
  readonly stats: Effect.Effect<MemoryNetworkStats>
  /** Loses each packet with `probability`, drawn from a generator seeded with `seed` (default 0), so runs replay. */
  readonly setLoss: (probability: number, seed?: number) => Effect.Effect<void>
  /** Drops every packet the predicate accepts; `undefined` removes it. */
  readonly setFilter: (filter: PacketFilter | undefined) => Effect.Effect<void>
  /**
   * Cuts every link between side `a` and side `b`, both ways: packets are
   * lost and new streams wait out their timeout (`Timeout`), as when SYNs are lost.
   */
  readonly partition: (a: Address | ReadonlyArray<Address>, b: Address | ReadonlyArray<Address>) => Effect.Effect<void>
  /** Removes every partition (loss, filter and disconnections stay). */
  readonly heal: Effect.Effect<void>
  /** As if the node vanished: packets to and from it are lost, connects fail with `ConnectFailed`. */
  readonly disconnect: (address: Address) => Effect.Effect<void>
  /** Undoes `disconnect`. */
  readonly reconnect: (address: Address) => Effect.Effect<void>
}

/**
 * Makes an empty memory network. Share one value between the members of a
 * test (`network.layer(address)` for each).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemoryNetwork = (options?: MemoryNetworkOptions): MemoryNetwork => {
  const network = internalMemory.makeNetwork(options)
  return { ...network, layer: (address) => Layer.scoped(Transport, network.make(address)) }
}

/**
 * The transport's counters: packets dropped as oversized or because the
 * receive queue was full (`memberlist_transport_packets_dropped` tagged
 * `reason`), streams refused because the accept queue was full, and sends
 * the OS refused. A transport a member holds counts with that member's
 * `member` label (after `reason`); one no member holds, without it. Read a
 * member's with `Metric.tagged(metric, "member", name)`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const metrics: {
  /** Incoming packets larger than `maxPacketSize`. */
  readonly packetsDroppedOversized: Metric.Metric.Counter<number>
  /** Incoming packets that found the receive queue full. */
  readonly packetsDroppedQueueFull: Metric.Metric.Counter<number>
  /** Incoming streams closed because the accept queue was full. */
  readonly connectionsDropped: Metric.Metric.Counter<number>
  /** Outgoing packets the operating system refused. */
  readonly sendFailures: Metric.Metric.Counter<number>
} = {
  packetsDroppedOversized: internalMetrics.packetsDroppedOversized,
  packetsDroppedQueueFull: internalMetrics.packetsDroppedQueueFull,
  connectionsDropped: internalMetrics.connectionsDropped,
  sendFailures: internalMetrics.sendFailures
}
