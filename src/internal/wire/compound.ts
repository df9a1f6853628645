/**
 * memberlist's compound packet (util.go `makeCompoundMessage` /
 * `decodeCompoundMessage`): type 7, a part count byte, one big-endian
 * uint16 length per part, then the parts back to back.
 *
 * Truncation follows memberlist: when the data ends inside a part, the
 * complete parts before it are still returned and the rest are counted as
 * truncated (memberlist logs a warning and handles the complete parts). The
 * caller counts a non-zero `truncated` as a "BadCompound" rejection.
 *
 * Interop note: Debian's memberlist 0.2.2 computes the offset of the first
 * part as `uint8(numParts*2)`, which wraps for 128 parts or more, so it
 * misreads such compounds; upstream fixed this. The largest count every
 * memberlist reads correctly is a protocol decision, so it lives with the
 * core's other packing limits (`maxCompoundParts` in swim/config.ts), as do
 * the header and per-part overheads the core budgets packets with; this
 * module only refuses what the format itself cannot hold.
 *
 * @internal
 */
import { Either } from "effect"
import { compoundHeaderOverhead, compoundPartOverhead } from "../swim/config.js"
import type { DecodeError } from "./errors.js"
import { decodeError } from "./errors.js"
import { MessageType } from "./messageType.js"

/** The most parts the count byte can hold (the core packs fewer: see the module note). */
export const MAX_COMPOUND_PARTS = 255
/** Largest single part (the length field is a uint16). */
export const MAX_COMPOUND_PART_SIZE = 0xffff

/** Exact size of a compound holding parts of the given sizes. */
const compoundSize = (partSizes: ReadonlyArray<number>): number => {
  let total = compoundHeaderOverhead
  for (const n of partSizes) total += compoundPartOverhead + n
  return total
}

/**
 * Builds a compound packet from already encoded messages. The caller keeps
 * to 1..255 parts of at most 65535 bytes each (anything else is a bug).
 */
export const makeCompound = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (parts.length > MAX_COMPOUND_PARTS) throw new RangeError(`compound of ${parts.length} parts`)
  const out = new Uint8Array(compoundSize(parts.map((p) => p.length)))
  out[0] = MessageType.Compound
  out[1] = parts.length
  let off = compoundHeaderOverhead
  for (const p of parts) {
    if (p.length > MAX_COMPOUND_PART_SIZE) throw new RangeError(`compound part of ${p.length} bytes`)
    out[off++] = p.length >>> 8
    out[off++] = p.length & 0xff
  }
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

/** The parts of a compound, as views into its body. */
export interface CompoundParts {
  readonly parts: ReadonlyArray<Uint8Array>
  /** Parts declared but cut off by the end of the data (memberlist's `trunc`). */
  readonly truncated: number
}

/**
 * Splits a compound body (the bytes after the type byte 7). A missing count
 * byte or length table is "BadCompound"; a cut part is reported through
 * `truncated`. Bytes after the last part are "TrailingBytes" (memberlist
 * ignores them; nothing legitimate puts them there).
 */
export const decodeCompoundBody = (body: Uint8Array): Either.Either<CompoundParts, DecodeError> => {
  if (body.length < 1) return Either.left(decodeError("BadCompound", "missing compound length byte"))
  const count = body[0]!
  if (body.length < 1 + 2 * count) return Either.left(decodeError("BadCompound", "truncated compound length table"))
  const parts: Array<Uint8Array> = []
  let off = 1 + 2 * count
  for (let i = 0; i < count; i++) {
    const len = (body[1 + 2 * i]! << 8) | body[2 + 2 * i]!
    if (body.length - off < len) return Either.right({ parts, truncated: count - i })
    parts.push(body.subarray(off, off + len))
    off += len
  }
  if (off !== body.length) {
    return Either.left(decodeError("TrailingBytes", `${body.length - off} bytes after the last compound part`))
  }
  return Either.right({ parts, truncated: 0 })
}
