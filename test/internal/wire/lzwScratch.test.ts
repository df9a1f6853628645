import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { compressIfSmaller, compressMessage, decodeCompressBody, MAX_STREAM_DECOMPRESSED } from "../../../src/internal/wire/compress.js"
import { lzwCompress, lzwDecompress } from "../../../src/internal/wire/lzw.js"

/** Deterministic, poorly compressible bytes (an LCG), so outputs differ in length and content. */
const noise = (n: number, seed: number): Uint8Array => {
  const out = new Uint8Array(n)
  let x = seed >>> 0
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = x >>> 24
  }
  return out
}

const unwrap = (message: Uint8Array): Uint8Array => {
  const result = decodeCompressBody(message.subarray(1), MAX_STREAM_DECOMPRESSED)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

describe("lzw: the compressor's shared output buffer", () => {
  it("an lzwCompress result holds exactly its own bytes, not the worst-case bound", () => {
    // The bound is 1.5x the input; a view into it kept that whole buffer alive per result.
    for (const size of [1, 100, 1400, 9000]) {
      const out = lzwCompress(noise(size, size))
      expect(out.byteOffset).toBe(0)
      expect(out.buffer.byteLength).toBe(out.length)
    }
  })

  it("a later call leaves earlier results intact", () => {
    const first = noise(1200, 1)
    const firstOut = lzwCompress(first)
    const copy = Uint8Array.from(firstOut)
    lzwCompress(noise(1300, 2))
    expect(firstOut).toEqual(copy)
    const decoded = lzwDecompress(firstOut, 1 << 20)
    expect(Either.getOrThrow(decoded)).toEqual(first)
  })

  it("compress messages of datagrams and of a larger state, interleaved, each decode to their own payload", () => {
    const payloads = [noise(1400, 3), noise(200_000, 4), noise(64, 5), noise(0xffff, 6), noise(0x10000, 7), noise(10, 8)]
    const messages = payloads.map(compressMessage)
    messages.forEach((message, i) => expect(unwrap(message)).toEqual(payloads[i]))
  })
})

describe("compressIfSmaller: a datagram's compression, kept only when it shrinks", () => {
  it("returns the payload itself when compression would not shrink it", () => {
    for (const payload of [new Uint8Array(0), noise(1, 1), noise(40, 2), noise(1400, 3)]) {
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
