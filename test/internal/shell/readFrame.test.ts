/**
 * `readFrame` (streams.ts): a frame that arrives whole in its first chunk
 * is decoded once, not first as a 64-byte prefix (which, for a compressed
 * frame, fails on the cut and costs an error with its stack); a frame whose
 * first bytes are wrong is still refused before the rest arrives.
 */
import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import { Effect, Either } from "effect"
import type { Connection } from "../../../src/Transport.js"
import { readFrame } from "../../../src/internal/shell/streams.js"
import * as Stream from "../../../src/internal/wire/stream.js"
import { pushPullFrame as pushPullFrameOf } from "../../support/pushPullFrame.js"

const calls = vi.hoisted(() => ({ decodeStream: 0 }))
vi.mock("../../../src/internal/wire/stream.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../src/internal/wire/stream.js")>()
  return {
    ...original,
    decodeStream: (...args: Parameters<typeof original.decodeStream>) => {
      calls.decodeStream++
      return original.decodeStream(...args)
    }
  }
})

/** A connection that yields `chunks`, then waits for ever (the frame's timeout ends it). */
const connectionOf = (chunks: ReadonlyArray<Uint8Array>): Connection => {
  let next = 0
  return {
    remote: { host: "127.0.0.1", port: 50_000 },
    read: Effect.suspend(() => (next < chunks.length ? Effect.succeed(chunks[next++]!) : Effect.never)),
    write: () => Effect.void,
    close: Effect.void
  }
}

/** A push/pull of 100 entries, compressed as a member sends it. */
const pushPullFrame = (label?: string) => pushPullFrameOf(100, label)

describe("readFrame", () => {
  it.effect("decodes a whole frame from one chunk once", () =>
    Effect.gen(function*() {
      const frame = pushPullFrame()
      expect(frame.length).toBeGreaterThan(64)
      calls.decodeStream = 0
      const message = yield* readFrame(connectionOf([frame]), {}, 1_000)
      expect(message._tag).toBe("PushPull")
      if (message._tag === "PushPull") expect(message.states.length).toBe(100)
      expect(calls.decodeStream).toBe(1)
    }))

  it.effect("refuses a frame with the wrong label from its first chunk, before the rest arrives", () =>
    Effect.gen(function*() {
      const frame = pushPullFrame("other-cluster")
      const outcome = yield* Effect.either(readFrame(connectionOf([frame.subarray(0, 40)]), { label: "ours" }, 1_000))
      expect(Either.isLeft(outcome) && outcome.left._tag).toBe("DecodeError")
      // the reason the first bytes give, not whatever the frame's extent makes of them
      const early = Stream.decodeStream(frame.subarray(0, 40), { label: "ours" })
      expect(Either.isLeft(early)).toBe(true)
      expect(Either.isLeft(outcome) && outcome.left.message).toBe(Either.isLeft(early) && early.left.message)
    }))

  it.effect("reads a frame cut into many chunks", () =>
    Effect.gen(function*() {
      const frame = pushPullFrame()
      const chunks = Array.from({ length: Math.ceil(frame.length / 17) }, (_, i) => frame.subarray(i * 17, (i + 1) * 17))
      const message = yield* readFrame(connectionOf(chunks), {}, 1_000)
      expect(message._tag === "PushPull" && message.states.length).toBe(100)
    }))
})
