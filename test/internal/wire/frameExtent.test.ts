import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { PushNodeState } from "../../../src/internal/swim/messages.js"
import type { StreamMessage } from "../../../src/internal/wire/stream.js"
import { FrameExtent, type FrameLimits } from "../../../src/internal/wire/frameExtent.js"
import { decodeStream, encodeStream, type EncodeStreamOptions, frameLimits } from "../../../src/internal/wire/stream.js"

const state = (i: number): PushNodeState => ({
  name: `node-${i}`,
  address: { host: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 7946 },
  meta: new Uint8Array(i % 7),
  incarnation: i,
  state: 0,
  versions: [1, 5, 2, 0, 0, 0]
})

const pushPull = (nodes: number, userState = 0): StreamMessage => ({
  _tag: "PushPull",
  join: nodes % 2 === 0,
  states: Array.from({ length: nodes }, (_, i) => state(i)),
  userState: new Uint8Array(userState).fill(7)
})

const key = new Uint8Array(16).fill(3)
const frames: ReadonlyArray<readonly [string, StreamMessage, EncodeStreamOptions]> = [
  ["push/pull", pushPull(20, 33), {}],
  ["empty push/pull", pushPull(0), {}],
  ["push/pull, user state only", pushPull(0, 5), {}],
  ["user message", { _tag: "User", payload: new Uint8Array(300).fill(1) }, {}],
  ["ping", { _tag: "Ping", seqNo: 9, node: "b", source: { address: { host: "127.0.0.1", port: 1 }, node: "a" } }, {}],
  ["ack", { _tag: "Ack", seqNo: 9, payload: new Uint8Array(0) }, {}],
  ["compressed push/pull", pushPull(10), { compress: true }],
  ["encrypted push/pull", pushPull(10), { encryption: { key, version: 1 } }],
  ["labelled, compressed, encrypted", pushPull(3, 2), { label: "prod", compress: true, encryption: { key, version: 1 } }]
]

const limits = frameLimits()

/** Feeds `bytes` in chunks of `size`; the extent at each step. */
const feed = (bytes: Uint8Array, size: number, l: FrameLimits = limits) => {
  const extent = new FrameExtent(l)
  const seen: Array<Either.Either<number | undefined, unknown>> = []
  for (let n = Math.min(size, bytes.length); ; n = Math.min(n + size, bytes.length)) {
    seen.push(extent.advance(bytes, n))
    if (n === bytes.length) break
  }
  return { extent, seen }
}

describe("FrameExtent", () => {
  it.each(frames)("%s: unknown until the last byte, then exactly the frame's length, however it is chunked", (_, message, options) => {
    const bytes = encodeStream(message, options)
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const { seen } = feed(bytes, size)
      const last = seen[seen.length - 1]!
      expect(last).toEqual(Either.right(bytes.length))
      for (const s of seen.slice(0, -1)) expect(s).toEqual(Either.right(undefined))
    }
    // And what it found is the frame decodeStream decodes.
    const decoded = decodeStream(bytes, { ...(options.encryption ? { keyring: { keys: [key] } } : {}), label: options.label ?? "" })
    expect(Either.isRight(decoded) && decoded.right._tag === "Complete" && decoded.right.consumed).toBe(bytes.length)
  })

  it("bytes after the frame are not part of it", () => {
    const frame = encodeStream(pushPull(4, 1))
    const more = new Uint8Array(frame.length + 10)
    more.set(frame)
    expect(new FrameExtent(limits).advance(more, more.length)).toEqual(Either.right(frame.length))
  })

  it("a 16 MiB push/pull in 64 KiB chunks: each value is looked at about once (linear work)", () => {
    const message = pushPull(100_000, 12 * 1024 * 1024)
    const bytes = encodeStream(message)
    expect(bytes.length).toBeGreaterThan(16 * 1024 * 1024)
    const chunk = 64 * 1024
    const { extent, seen } = feed(bytes, chunk)
    expect(seen[seen.length - 1]).toEqual(Either.right(bytes.length))
    // Values in the frame: the header map (1 + 6 children) and each state map (1 + 14 children, Vsn array 1 + 6).
    const values = 7 + 100_000 * (1 + 14 + 6)
    const chunks = Math.ceil(bytes.length / chunk)
    // Every value once, plus at most one unfinished look per chunk.
    expect(extent.visits).toBeLessThanOrEqual(values + chunks)
  })

  it("a declared length over the limit is refused as soon as it arrives", () => {
    // An encrypted frame header declaring 2^31 bytes: 5 bytes are enough to refuse it.
    const sealed = new Uint8Array([10, 0x80, 0, 0, 0])
    expect(Either.isLeft(new FrameExtent(limits).advance(sealed, 5))).toBe(true)
    // A push/pull header declaring more members than allowed.
    const many = encodeStream(pushPull(3))
    const small = { ...limits, maxNodes: 2 }
    const result = feed(many, many.length, small).seen.pop()!
    expect(Either.isLeft(result) && (result.left as { reason: string }).reason).toBe("Oversized")
  })

  it("an endless valid-looking frame is refused once it passes maxFrameBytes", () => {
    // type 0 (ping) then an array32 of 2^32 nils: every byte is valid, the frame never ends.
    const endless = new Uint8Array(70_000).fill(0xc0)
    endless.set([0, 0xdd, 0xff, 0xff, 0xff, 0xff])
    const small = { ...limits, maxFrameBytes: 64 * 1024 }
    const { seen } = feed(endless, 4096, small)
    const firstError = seen.findIndex(Either.isLeft)
    expect(firstError).toBeGreaterThan(0)
    expect((seen[firstError] as Either.Left<{ reason: string }, unknown>).left.reason).toBe("Oversized")
    // No verdict before the limit: what arrived could still have been a frame.
    expect(firstError * 4096).toBeGreaterThanOrEqual(64 * 1024)
  })

  it("deeply nested msgpack is refused, without recursion", () => {
    const deep = new Uint8Array(60_001).fill(0x91)
    deep[0] = 0
    const result = new FrameExtent(limits).advance(deep, deep.length)
    expect(Either.isLeft(result) && (result.left as { reason: string }).reason).toBe("Malformed")
  })

  it("a byte that starts no msgpack value is refused", () => {
    const result = new FrameExtent(limits).advance(new Uint8Array([0, 0xc1]), 2)
    expect(Either.isLeft(result)).toBe(true)
  })
})
