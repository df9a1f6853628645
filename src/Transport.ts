/**
 * How members reach each other: best-effort packets (UDP) and reliable
 * streams (TCP). The Node implementation binds real sockets; the memory
 * implementation connects members inside one process, for tests.
 *
 * @since 0.1.0
 */
import type { Effect, Scope, Stream } from "effect"
import { Context, Data } from "effect"

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
 * Why a transport operation failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly reason: "BindFailed" | "SendFailed" | "ConnectFailed" | "Timeout" | "StreamFailed" | "Closed"
  readonly message: string
  readonly cause?: unknown
}> {}

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
