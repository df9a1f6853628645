/**
 * A datagram payload equal to the previous one (a gossip round's compound to its next target) is not
 * compressed again: the previous attempt's LZW is reused. The packet is the same either way; only the
 * number of LZW runs changes, and a payload that differs in any byte, or is too large to remember, is
 * compressed as before.
 */
import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import { Either } from "effect"
import { compressIfSmaller, compressMessage, decodeCompressBody, MAX_STREAM_DECOMPRESSED } from "../../../src/internal/wire/compress.js"
import { MAX_REMEMBERED } from "../../../src/internal/wire/lastCompression.js"
import { pseudoRandomBytes } from "../../support/pseudoRandomBytes.js"

const runs = vi.hoisted(() => ({ lzw: 0 }))
vi.mock("../../../src/internal/wire/lzw.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../src/internal/wire/lzw.js")>()
  return {
    ...original,
    lzwCompressView: (data: Uint8Array) => {
      runs.lzw++
      return original.lzwCompressView(data)
    }
  }
})

/** LZW runs made by `f`. */
const lzwRuns = (f: () => void): number => {
  const before = runs.lzw
  f()
  return runs.lzw - before
}

const unwrap = (message: Uint8Array): Uint8Array => Either.getOrThrow(decodeCompressBody(message.subarray(1), MAX_STREAM_DECOMPRESSED))

/** A payload that shrinks: repeated text with a varying tail. */
const shrinking = (tag: string): Uint8Array => new TextEncoder().encode(`alive node-${tag} `.repeat(60))

describe("compressIfSmaller: the last payload's attempt", () => {
  it("an equal payload in another buffer runs LZW once for both, and both packets are what compressMessage builds", () => {
    const first = shrinking("a")
    const again = Uint8Array.from(first)
    let a: Uint8Array = new Uint8Array(0)
    let b: Uint8Array = new Uint8Array(0)
    expect(lzwRuns(() => {
      a = compressIfSmaller(first)
      b = compressIfSmaller(again)
    })).toBe(1)
    const expected = compressMessage(first)
    expect(a).toEqual(expected)
    expect(b).toEqual(expected)
    // Each caller owns its packet: the reused one is a new copy, not the previous packet.
    expect(b).not.toBe(a)
    b[b.length - 1] = b[b.length - 1]! ^ 0xff
    expect(a).toEqual(expected)
    expect(unwrap(compressIfSmaller(Uint8Array.from(first)))).toEqual(first)
  })

  it("the same buffer changed in one byte is compressed again, to its own bytes", () => {
    const payload = shrinking("b")
    compressIfSmaller(payload)
    for (const at of [0, payload.length >> 1, payload.length - 1]) {
      payload[at] = payload[at]! ^ 0x01
      let out: Uint8Array = new Uint8Array(0)
      expect(lzwRuns(() => out = compressIfSmaller(payload))).toBe(1)
      expect(unwrap(out)).toEqual(payload)
      expect(out).toEqual(compressMessage(payload))
    }
  })

  it("a payload of another length is compressed again", () => {
    const payload = shrinking("c")
    compressIfSmaller(payload)
    const longer = new Uint8Array(payload.length + 1)
    longer.set(payload)
    expect(lzwRuns(() => compressIfSmaller(longer))).toBe(1)
    expect(lzwRuns(() => compressIfSmaller(payload.subarray(0, payload.length - 1)))).toBe(1)
  })

  it("a payload that did not shrink is sent as it is again, without LZW", () => {
    const noise = pseudoRandomBytes(1400, 11)
    expect(compressIfSmaller(noise)).toBe(noise)
    const again = Uint8Array.from(noise)
    let out: Uint8Array = new Uint8Array(0)
    expect(lzwRuns(() => out = compressIfSmaller(again))).toBe(0)
    expect(out).toBe(again)
  })

  it("a payload over the largest datagram is not remembered", () => {
    const big = new Uint8Array(MAX_REMEMBERED + 1).fill(0x61)
    compressIfSmaller(big)
    expect(lzwRuns(() => compressIfSmaller(big))).toBe(1)
    // Nor does it leave the one before it to be taken for it.
    const small = shrinking("d")
    compressIfSmaller(small)
    compressIfSmaller(big)
    expect(lzwRuns(() => compressIfSmaller(small))).toBe(1)
  })
})
