/**
 * An internal side door on a `Connection`, for the shell's stream code: the
 * public `read` is an Effect per chunk, and bounding a whole frame's read by
 * a timeout with Effect costs a race of two fibers per read. A connection
 * whose chunks sit in an `Inbox` attaches the inbox under a symbol, with a
 * callback form of "write the answer, then close"; the shell then reads a
 * frame by polling the inbox and waiting through a callback, with a plain
 * timer as the deadline, and can serve a whole request-answer exchange with
 * no fiber. Connections without it (third-party transports) are read and
 * written through their Effects as before.
 *
 * @internal
 */
import type { Connection } from "../../Transport.js"
import type { Inbox } from "./inbox.js"

/** The key the side door is stored under on a `Connection`. */
export const ChunkSourceKey: unique symbol = Symbol.for("effect-memberlist/Transport/ChunkSource")

/** The synchronous halves of a connection. */
export interface ChunkSource extends Pick<Inbox, "poll" | "wait"> {
  /** Writes `bytes` if the stream can still take them; a write that fails fails the next read instead. */
  readonly writeNow: (bytes: Uint8Array) => void
  /**
   * Writes `bytes` (when given) if the stream can still take them, then closes it as `close` does: the
   * bytes leave before the end of stream. A write that fails only ends the stream early.
   */
  readonly answerAndClose: (bytes: Uint8Array | undefined) => void
}

/** `connection` with its side door attached (the same object: connections are made here, not shared). */
export const attach = <C extends Connection>(connection: C, source: ChunkSource): C =>
  Object.assign(connection, { [ChunkSourceKey]: source })

/** The side door of `connection`, if it has one. */
export const of = (connection: Connection): ChunkSource | undefined =>
  (connection as Connection & { readonly [ChunkSourceKey]?: ChunkSource })[ChunkSourceKey]
