/**
 * The reused buffers of a push/pull's path (docs/performance.md, "The cost
 * of a push/pull"): the LZW decoder copying each code's string from its own
 * earlier output, its growth into a kept scratch, and a compressed frame
 * written into a kept writer. Each must leave the bytes exactly as before.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { compressMessage } from "../../../src/internal/wire/compress.js"
import { lzwCompress, lzwDecompress, Scratch } from "../../../src/internal/wire/lzw.js"
import type { PushPull } from "../../../src/internal/swim/messages.js"
import { decodeStream, encodeStream } from "../../../src/internal/wire/stream.js"
import { packCodes } from "../../support/lzwCodes.js"

const CLEAR = 256
const EOF = 257

/**
 * A valid code stream drawn from `seed`, with what Go's reader makes of it, by
 * a decoder written the plain way (each entry a list of bytes): literals, known
 * codes, the KwKwK code, clears now and then (or never, so the dictionary fills
 * up and stops growing at 4095), then the end code.
 */
const drawStream = (seed: number, length: number, clears: boolean) => {
  let x = seed >>> 0
  const next = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return (x >>> 8) % n
  }
  const dict: Array<Array<number>> = []
  for (let c = 0; c < CLEAR; c++) dict[c] = [c]
  const codes: Array<readonly [number, number]> = []
  const expected: Array<number> = []
  let width = 9
  let hi = EOF
  let overflow = 512
  let last = -1
  for (let i = 0; i < length; i++) {
    if (clears && next(500) === 0) {
      codes.push([CLEAR, width])
      width = 9
      hi = EOF
      overflow = 512
      last = -1
      continue
    }
    // Entries below hi are defined; hi itself is the KwKwK code when there is a previous code, or the
    // last entry of a full dictionary (then defined too).
    const highest = last >= 0 || hi === 4095 ? hi : hi - 1
    const code = highest >= 258 && next(3) > 0 ? 258 + next(highest - 257) : next(CLEAR)
    codes.push([code, width])
    const s = code === hi && last >= 0 ? [...dict[last]!, dict[last]![0]!] : dict[code]!
    expected.push(...s)
    if (last >= 0) dict[hi] = [...dict[last]!, s[0]!]
    last = code
    hi++
    if (hi >= overflow) {
      if (width === 12) {
        last = -1
        hi--
      } else {
        width++
        overflow <<= 1
      }
    }
  }
  codes.push([EOF, width])
  return { data: packCodes(codes), expected: new Uint8Array(expected) }
}

const decoded = (data: Uint8Array, scratch?: Scratch): Uint8Array => {
  const result = lzwDecompress(data, 1 << 24, scratch)
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

describe("lzwDecompress, copying from its own output", () => {
  it.prop(
    "decodes any valid code stream as a plain prefix-list decoder does",
    [fc.integer(), fc.integer({ min: 0, max: 6000 }), fc.boolean()],
    ([seed, length, clears]) => {
      const { data, expected } = drawStream(seed, length, clears)
      expect(decoded(data)).toEqual(expected)
    },
    { fastCheck: { numRuns: 60 } }
  )

  it("decodes a stream whose dictionary fills up without a clear, then keeps using its codes", () => {
    const { data, expected } = drawStream(42, 5000, false)
    expect(expected.length).toBeGreaterThan(5000)
    expect(decoded(data)).toEqual(expected)
  })

  it("grows into the scratch: an output beyond the first guess is right, and the next one starts there", () => {
    // 40 KB of one byte compresses about 200 times: far past the first guess of 4 times the input.
    const input = new Uint8Array(40_000).fill(7)
    const compressed = lzwCompress(input)
    const scratch = new Scratch(1 << 18)
    const first = decoded(compressed, scratch)
    expect(first).toEqual(input)
    const second = decoded(compressed, scratch)
    expect(second).toEqual(input)
    expect(second.buffer).toBe(first.buffer)
  })

  it("without a scratch, each output is a buffer of its own", () => {
    const input = new Uint8Array(10_000).fill(3)
    const compressed = lzwCompress(input)
    const a = decoded(compressed)
    const b = decoded(compressed)
    expect(a.buffer).not.toBe(b.buffer)
    expect(b).toEqual(input)
  })
})

const pushPullOf = (n: number, from = 0): PushPull => ({
  _tag: "PushPull",
  join: false,
  states: Array.from({ length: n }, (_, i) => ({
    name: `node-${from + i}`,
    address: { host: "127.0.0.1", port: 20_000 + from + i },
    meta: new Uint8Array([1, 2, 3]),
    incarnation: from + i,
    state: 0 as const,
    versions: [1, 5, 2, 0, 0, 0] as const
  })),
  userState: new Uint8Array([9, 9])
})

const decodedFrame = (bytes: Uint8Array) => {
  const result = decodeStream(bytes, {})
  if (Either.isLeft(result) || result.right._tag !== "Complete") throw new Error("the frame did not decode")
  return result.right.message
}

describe("a compressed frame written into the kept writer", () => {
  it("is byte for byte the compress message of the frame's exact-size encoding", () => {
    for (const n of [0, 1, 100, 4000]) {
      const m = pushPullOf(n)
      expect(encodeStream(m, { compress: true })).toEqual(compressMessage(encodeStream(m, {})))
    }
  })

  it("frames encoded back to back each keep their own bytes, a large one between them included", () => {
    const small = pushPullOf(3)
    const large = pushPullOf(5000, 100) // past the 256 KiB the writer is kept up to
    const a = encodeStream(small, { compress: true })
    const aCopy = a.slice()
    const b = encodeStream(large, { compress: true })
    const c = encodeStream(pushPullOf(2, 50), { compress: true })
    expect(a).toEqual(aCopy)
    expect(decodedFrame(a)).toEqual(small)
    expect(decodedFrame(b)).toEqual(large)
    expect(decodedFrame(c)).toEqual(pushPullOf(2, 50))
  })
})
