/**
 * An internal side door on a transport, for the Memberlist shell only: the
 * public `TransportShape` receives through a `Stream` and sends through an
 * `Effect` that completes when the kernel took the datagram, which costs a
 * fiber wake-up per packet each way. A transport that can do better attaches
 * this under a symbol; the shell uses it when present and the Effect API
 * otherwise, so third-party transports keep working unchanged.
 *
 * @internal
 */
import type { Address, Connection, Packet, TransportShape } from "../../Transport.js"
import type { TransportError } from "./error.js"

/** The key the fast path is stored under on a `TransportShape`. */
export const FastPathKey: unique symbol = Symbol.for("effect-memberlist/Transport/FastPath")

/** Callback forms of receiving and sending packets. */
export interface FastPath {
  /**
   * From now on hands each packet to `receive`, in the socket's callback,
   * instead of the packet queue. `receive` returns false when it had no room
   * for the packet: the transport then counts it as dropped because the
   * queue was full, as it does for its own queue. Packets already queued
   * are handed over first, so the member need not read the queue as well.
   * The function returned gives packets back to the queue.
   */
  readonly receive: (receive: (packet: Packet) => boolean) => () => void
  /**
   * The same for accepted streams: from now on (starting with those already
   * queued) each goes to `accept` in the server's callback instead of the
   * connection queue. False means no room: the transport counts the
   * connection as dropped and closes it, as when its queue is full. The
   * function returned gives connections back to the queue.
   */
  readonly accept: (accept: (connection: Connection) => boolean) => () => void
  /** Sends one datagram; `done` is called once, later, with the error if the send failed. */
  readonly send: (to: Address, bytes: Uint8Array, done: (error: TransportError | undefined) => void) => void
}

/** Attaches `fastPath` to `shape` (a new object; the Effect API is unchanged). */
export const attach = (shape: TransportShape, fastPath: FastPath): TransportShape =>
  Object.assign({ ...shape }, { [FastPathKey]: fastPath })

/** The fast path of `shape`, if its transport has one. */
export const of = (shape: TransportShape): FastPath | undefined =>
  (shape as TransportShape & { readonly [FastPathKey]?: FastPath })[FastPathKey]
