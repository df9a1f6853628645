/**
 * An internal side door on a `Connection`, for the shell's frame reader:
 * the public `read` is an Effect per chunk, and bounding a whole frame's
 * read by a timeout with Effect costs a race of two fibers per read. A
 * connection whose chunks sit in an `Inbox` attaches the inbox under a
 * symbol; the reader then polls it and waits through a callback, inside one
 * `Effect.async` with a plain timer as the deadline. Connections without it
 * (third-party transports) are read through `read` as before.
 *
 * @internal
 */
import type { Connection } from "../../Transport.js"
import type { Inbox } from "./inbox.js"

/** The key the inbox is stored under on a `Connection`. */
export const ChunkSourceKey: unique symbol = Symbol.for("effect-memberlist/Transport/ChunkSource")

/** The synchronous reading half of a connection. */
export type ChunkSource = Pick<Inbox, "poll" | "wait">

/** `connection` with `inbox` attached (the same object: connections are made here, not shared). */
export const attach = <C extends Connection>(connection: C, inbox: ChunkSource): C =>
  Object.assign(connection, { [ChunkSourceKey]: inbox })

/** The chunk source of `connection`, if it has one. */
export const of = (connection: Connection): ChunkSource | undefined =>
  (connection as Connection & { readonly [ChunkSourceKey]?: ChunkSource })[ChunkSourceKey]
