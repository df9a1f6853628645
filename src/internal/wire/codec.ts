/**
 * The shape of one memberlist message's codec, and the plumbing that turns a
 * table of them into encoding (looked up by tag) and decoding (looked up by
 * type byte).
 *
 * A message's size, writer and reader sit together in one entry so they
 * cannot drift apart: `messages.ts` holds the packet messages' table, and
 * `stream.ts` builds the stream frames' table from it.
 *
 * @internal
 */
import type { MessageType } from "./messageType.js"
import type { MsgpackReader } from "./msgpack.js"
import { MsgpackWriter } from "./msgpack.js"

/** What a reader is told besides the bytes. */
export interface ReadOptions {
  /**
   * Copy byte fields (payloads, meta) out of the input instead of returning
   * views into it: a view would pin the whole receive buffer for as long as
   * the core keeps the message.
   */
  readonly copy: boolean
  /** Most members a push/pull may carry (only push/pull reads it). */
  readonly maxNodes: number
}

/** How one memberlist message is sized, written and read. */
export interface MessageCodec<M> {
  /** memberlist's type byte for the message. */
  readonly type: MessageType
  /** Exact encoded size, type byte included, computed without encoding. */
  readonly size: (m: M) => number
  /** Writes the type byte and the body. */
  readonly write: (w: MsgpackWriter, m: M) => void
  /** Reads the body after the type byte; on failure records why in `r` and returns undefined. */
  readonly read: (r: MsgpackReader, options: ReadOptions) => M | undefined
}

interface Tagged {
  readonly _tag: string
}

/** One codec per tag of `M`: the compiler refuses a table that misses a message. */
export type CodecTable<M extends Tagged> = {
  readonly [T in M["_tag"]]: MessageCodec<Extract<M, { readonly _tag: T }>>
}

/** The entry for `m`. */
export const codecOf = <M extends Tagged>(table: CodecTable<M>, m: M): MessageCodec<M> =>
  // Keyed by tag, so the lookup cannot miss; TypeScript cannot correlate the tag with the entry's type.
  table[m._tag as M["_tag"]] as unknown as MessageCodec<M>

/** Encodes `m` into a buffer of exactly its size. */
export const encodeWith = <M>(codec: MessageCodec<M>, m: M): Uint8Array => {
  const w = new MsgpackWriter(codec.size(m))
  codec.write(w, m)
  return w.finish()
}

/** A table's codecs indexed by type byte, for decoding (an array: type bytes are small). */
export const byTypeByte = <M extends Tagged>(table: CodecTable<M>): ReadonlyArray<MessageCodec<M> | undefined> => {
  const out: Array<MessageCodec<M> | undefined> = []
  for (const codec of Object.values(table) as Array<MessageCodec<M>>) out[codec.type] = codec
  return out
}

/**
 * Reads a body of type byte `type` with its codec in `byType`; a type
 * without one fails in `r` as "UnknownType" (`kind` says which table refused).
 */
export const readByType = <M>(
  byType: ReadonlyArray<MessageCodec<M> | undefined>,
  kind: "packet" | "stream",
  type: number,
  r: MsgpackReader,
  options: ReadOptions
): M | undefined => {
  const codec = byType[type]
  if (codec === undefined) {
    r.fail("UnknownType", `message type ${type} is not a ${kind} message`)
    return undefined
  }
  return codec.read(r, options)
}
