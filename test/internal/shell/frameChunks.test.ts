/**
 * The frame reader holds a frame's first chunk as it came and copies only
 * once a second one arrives (docs/performance.md, "The cost of a push/pull"):
 * however the frame is cut, it decodes the same, and the chunks handed in are
 * never written into.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFrameNow } from "../../../src/internal/shell/streams.js"
import type { StreamMessage } from "../../../src/internal/wire/stream.js"
import { Inbox } from "../../../src/internal/transport/inbox.js"
import { pushPullFrame } from "../../support/pushPullFrame.js"

/** Reads one frame from `chunks`, all pushed before the read starts. */
const readChunks = (chunks: ReadonlyArray<Uint8Array>): unknown => {
  const inbox = new Inbox()
  for (const chunk of chunks) inbox.push(chunk)
  let outcome: unknown = "no outcome"
  const stop = readFrameNow(
    { poll: () => inbox.poll(), wait: (ready) => inbox.wait(ready), writeNow: () => {}, answerAndClose: () => {} },
    {},
    1_000,
    (o: StreamMessage | Error) => {
      outcome = o
    }
  )
  stop()
  return outcome
}

const entriesOf = (outcome: unknown): number =>
  (outcome as StreamMessage)._tag === "PushPull" ? (outcome as Extract<StreamMessage, { _tag: "PushPull" }>).states.length : -1

describe("a frame read from chunks", () => {
  it("decodes whole from one chunk, and from two cut anywhere, leaving every chunk as it was", () => {
    const frame = pushPullFrame(40)
    expect(entriesOf(readChunks([frame.slice()]))).toBe(40)
    for (let cut = 1; cut < frame.length; cut += 7) {
      const first = frame.slice(0, cut)
      const second = frame.slice(cut)
      const firstCopy = first.slice()
      const secondCopy = second.slice()
      expect(entriesOf(readChunks([first, second])), `cut at ${cut}`).toBe(40)
      expect(first).toEqual(firstCopy)
      expect(second).toEqual(secondCopy)
    }
  })

  it("decodes from three chunks whose first is a view into a larger buffer, leaving that buffer alone", () => {
    const frame = pushPullFrame(40)
    const third = Math.floor(frame.length / 3)
    const padded = new Uint8Array(third + 64).fill(0xee)
    padded.set(frame.subarray(0, third), 32)
    const outcome = readChunks([padded.subarray(32, 32 + third), frame.slice(third, 2 * third), frame.slice(2 * third)])
    expect(entriesOf(outcome)).toBe(40)
    const expected = new Uint8Array(third + 64).fill(0xee)
    expected.set(frame.subarray(0, third), 32)
    expect(padded).toEqual(expected)
  })
})
