import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { compressIfSmaller, compressMessage, decodeCompressBody, MAX_STREAM_DECOMPRESSED } from "../../../src/internal/wire/compress.js"
import { lzwCompress, lzwDecompress } from "../../../src/internal/wire/lzw.js"
import { pseudoRandomBytes } from "../../support/pseudoRandomBytes.js"

const unwrap = (message: Uint8Array): Uint8Array => {
  const result = decodeCompressBody(message.subarray(1), MAX_STREAM_DECOMPRESSED)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

describe("lzw: the compressor's shared output buffer", () => {
  it("an lzwCompress result holds exactly its own bytes, not the worst-case bound", () => {
    // The bound is 1.5x the input; a view into it kept that whole buffer alive per result.
    for (const size of [1, 100, 1400, 9000]) {
      const out = lzwCompress(pseudoRandomBytes(size, size))
      expect(out.byteOffset).toBe(0)
      expect(out.buffer.byteLength).toBe(out.length)
    }
  })

  it("a later call leaves earlier results intact", () => {
    const first = pseudoRandomBytes(1200, 1)
    const firstOut = lzwCompress(first)
    const copy = Uint8Array.from(firstOut)
    lzwCompress(pseudoRandomBytes(1300, 2))
    expect(firstOut).toEqual(copy)
    const decoded = lzwDecompress(firstOut, 1 << 20)
    expect(Either.getOrThrow(decoded)).toEqual(first)
  })

  it("compress messages of datagrams and of a larger state, interleaved, each decode to their own payload", () => {
    const payloads = [pseudoRandomBytes(1400, 3), pseudoRandomBytes(200_000, 4), pseudoRandomBytes(64, 5), pseudoRandomBytes(0xffff, 6), pseudoRandomBytes(0x10000, 7), pseudoRandomBytes(10, 8)]
    const messages = payloads.map(compressMessage)
    messages.forEach((message, i) => expect(unwrap(message)).toEqual(payloads[i]))
  })
})

describe("compressIfSmaller: a datagram's compression, kept only when it shrinks", () => {
  it("returns the payload itself when compression would not shrink it", () => {
    for (const payload of [new Uint8Array(0), pseudoRandomBytes(1, 1), pseudoRandomBytes(40, 2), pseudoRandomBytes(1400, 3)]) {
      expect(compressIfSmaller(payload)).toBe(payload)
      expect(compressMessage(payload).length).toBeGreaterThanOrEqual(payload.length)
    }
  })

  it("returns the compress message when it is smaller, byte for byte what compressMessage builds", () => {
    const payload = new TextEncoder().encode("alive ".repeat(200))
    const out = compressIfSmaller(payload)
    expect(out.length).toBeLessThan(payload.length)
    expect(out).toEqual(compressMessage(payload))
    expect(unwrap(out)).toEqual(payload)
  })
})
