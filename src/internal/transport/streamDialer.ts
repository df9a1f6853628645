/**
 * An internal side door on a transport, for the shell's push/pull: the
 * public `connect` is an Effect that ties the connection to a scope, so an
 * exchange started from a driver step needs a fiber to run it. A transport
 * that can open a stream in callbacks attaches this under a symbol; the
 * shell then runs a whole exchange (connect, write, read one frame, close)
 * in callbacks, and uses `connect` otherwise.
 *
 * @internal
 */
import type { Address, Connection, TransportShape } from "../../Transport.js"
import type { TransportError } from "./error.js"

/** The key the dialer is stored under on a `TransportShape`. */
export const StreamDialerKey: unique symbol = Symbol.for("effect-memberlist/Transport/StreamDialer")

/** Opening a stream in callbacks. */
export interface StreamDialer {
  /**
   * Opens a stream to `to` within `timeoutMillis` (a Node timer: for Effect's own clock only) and calls
   * `done` once with it or with why not, unless the function returned is called first. The caller owns
   * the connection: it must close it.
   */
  readonly dial: (
    to: Address,
    timeoutMillis: number,
    done: (outcome: Connection | TransportError) => void
  ) => () => void
}

/** `shape` with `dialer` attached (the same object: the transport made it and hands it out once). */
export const attach = (shape: TransportShape, dialer: StreamDialer): TransportShape =>
  Object.assign(shape, { [StreamDialerKey]: dialer })

/** The dialer of `shape`, if its transport has one. */
export const of = (shape: TransportShape): StreamDialer | undefined =>
  (shape as TransportShape & { readonly [StreamDialerKey]?: StreamDialer })[StreamDialerKey]
