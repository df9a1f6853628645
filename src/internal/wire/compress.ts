/**
 * memberlist's compression wrapper (util.go `compressPayload` /
 * `decompressPayload`): type byte 9 followed by the msgpack struct
 * `compress{Algo, Buf}`, with `Algo` 0 (LZW, the only algorithm) and `Buf`
 * the `compress/lzw` (LSB, 8-bit literals) stream of the wrapped message.
 *
 * @internal
 */
import { Either } from "effect"
import type { DecodeError } from "./errors.js"
import { decodeError } from "./errors.js"
import { LastCompression, NOT_SMALLER } from "./lastCompression.js"
import { lzwCompressView, lzwDecompress, type Scratch } from "./lzw.js"
import { MessageType } from "./messageType.js"
import { MsgpackReader, MsgpackWriter, strHeaderSize, U8_MAX } from "./msgpack.js"
import { fieldKeys } from "./fieldKeys.js"

/** memberlist's `lzwAlgo`. */
const LZW_ALGO = 0

/**
 * A bound on what one UDP packet may decompress to: the payload was itself a
 * packet, so it cannot legitimately exceed the largest datagram.
 */
export const MAX_PACKET_DECOMPRESSED = 0xffff

/** upstream memberlist's `maxDecompressedBytes` (twice `maxPushStateBytes`) for streams. */
export const MAX_STREAM_DECOMPRESSED = 2 * 20 * 1024 * 1024

/** The size of the compress message wrapping `lzwLength` bytes of LZW. */
const wrappedSize = (lzwLength: number): number =>
  // {"Algo": 0, "Buf": <str>}: fixmap, two fixstr keys, fixint 0, Buf header.
  1 + 1 + 5 + 1 + 4 + (lzwLength === 0 ? 1 : strHeaderSize(lzwLength) + lzwLength)

/** Wraps raw LZW bytes as a compress message (type byte + msgpack body). */
const wrapCompressed = (lzw: Uint8Array): Uint8Array => {
  const w = new MsgpackWriter(wrappedSize(lzw.length))
  w.byte(MessageType.Compress).map(2)
  w.string("Algo").uint(LZW_ALGO)
  w.string("Buf").bytes(lzw)
  return w.finish()
}

/**
 * A lower bound on the size of `compressMessage` of any `n` bytes. The wrapper alone is 13 bytes before the
 * LZW stream. The stream holds a leading clear, `k` codes and the end code, at least 9 bits each; the i-th
 * code stands for at most i bytes (each dictionary entry is one byte longer than a code already sent), so
 * `k` codes cover at most k(k+1)/2 bytes.
 */
export const compressedSizeAtLeast = (n: number): number => {
  let k = 0
  while ((k * (k + 1)) / 2 < n) k++
  return 13 + Math.ceil((9 * (k + 2)) / 8)
}

/**
 * Payloads shorter than this never get smaller compressed (24 bytes: a bare ack is 20-23), so the
 * attempt, whose result would be thrown away, is skipped; the bytes sent are the same either way.
 */
export const smallestShrinkable: number = (() => {
  let n = 1
  while (compressedSizeAtLeast(n) >= n) n++
  return n
})()

/**
 * Compresses an encoded message (or compound) into a compress message, as memberlist's compressPayload does.
 * The LZW bytes are copied into the message at once, so they may live in the compressor's reused buffer.
 */
export const compressMessage = (payload: Uint8Array): Uint8Array => wrapCompressed(lzwCompressView(payload))

/** The last datagram payload's attempt: the next payload, when equal, is not compressed again. */
export const lastCompression = new LastCompression()

/**
 * `compressMessage(payload)` when that is smaller than `payload`, else `payload` itself (memberlist's
 * EnableCompression rule for packets). The attempt is written into a reused buffer and copied out only
 * when kept: most small packets do not shrink, and their attempt then allocates nothing. A payload equal to
 * the previous one (a gossip round's compound to its next target) reuses that attempt (`LastCompression`).
 */
export const compressIfSmaller = (payload: Uint8Array): Uint8Array => {
  if (payload.length < smallestShrinkable) return payload
  const known = lastCompression.lookup(payload)
  if (known !== undefined) return known === NOT_SMALLER ? payload : wrapCompressed(known)
  const lzw = lzwCompressView(payload)
  const smaller = wrappedSize(lzw.length) < payload.length
  lastCompression.remember(payload, smaller ? lzw : undefined)
  return smaller ? wrapCompressed(lzw) : payload
}

/**
 * Reads the body of a compress message (the bytes after type byte 9) and
 * returns the decompressed payload, at most `maxOutput` bytes.
 */
export const decodeCompressBody = (
  body: Uint8Array,
  maxOutput: number,
  scratch?: Scratch
): Either.Either<Uint8Array, DecodeError> => {
  const r = new MsgpackReader(body)
  const c = readCompressStruct(r)
  if (r.error !== undefined || c === undefined) return Either.left(r.error ?? decodeError("Malformed", "bad compress message"))
  if (r.remaining > 0) return Either.left(decodeError("TrailingBytes", `${r.remaining} bytes after the compress message`))
  return decompressStruct(c, maxOutput, scratch)
}

/** Decompresses a compress struct's buffer, checking the algorithm. */
export const decompressStruct = (
  c: { readonly algo: number; readonly buf: Uint8Array },
  maxOutput: number,
  scratch?: Scratch
): Either.Either<Uint8Array, DecodeError> =>
  c.algo !== LZW_ALGO
    ? Either.left(decodeError("BadCompression", `unknown compression algorithm ${c.algo}`))
    : lzwDecompress(c.buf, maxOutput, scratch)

/**
 * Reads a msgpack `compress{Algo, Buf}` struct at the reader's position
 * (failures are recorded in the reader). `Buf` is a view into the input.
 */
export const readCompressStruct = (r: MsgpackReader): { algo: number; buf: Uint8Array } | undefined => {
  const n = r.readMapLength()
  let algo: number | undefined
  let buf: Uint8Array | undefined
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readKey(fieldKeys)
    if (key === "Algo") algo = r.readUint(U8_MAX)
    else if (key === "Buf") buf = r.readBytes()
    else r.skip()
  }
  if (r.failed) return undefined
  if (algo === undefined || buf === undefined) {
    r.fail("Malformed", "compress message without Algo or Buf")
    return undefined
  }
  return { algo, buf }
}
