/**
 * The transport's queues made on first use (lazyQueue.ts): what is offered
 * before anyone reads comes out of the stream in order, within the bound;
 * once shut down, offers are refused and streams end, whether the queue was
 * made before the shutdown or only after it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream } from "effect"
import { LazyQueue } from "../../../src/internal/transport/lazyQueue.js"

describe("LazyQueue", () => {
  it.effect("keeps what is offered before the stream runs, up to its capacity, and hands it over in order", () =>
    Effect.gen(function*() {
      const queue = new LazyQueue<number>(3)
      expect([1, 2, 3, 4].map((n) => queue.unsafeOffer(n))).toEqual([true, true, true, false])
      const taken = yield* Stream.runCollect(Stream.take(queue.stream, 3))
      expect(Chunk.toArray(taken)).toEqual([1, 2, 3])
    }))

  it.effect("takeQueued empties what was offered, and gives nothing when nothing was", () =>
    Effect.sync(() => {
      const queue = new LazyQueue<string>(8)
      expect(Array.from(queue.takeQueued())).toEqual([])
      queue.unsafeOffer("a")
      queue.unsafeOffer("b")
      expect(Array.from(queue.takeQueued())).toEqual(["a", "b"])
      expect(Array.from(queue.takeQueued())).toEqual([])
    }))

  it.effect("a stream waiting on the queue ends when it is shut down, and offers are refused after", () =>
    Effect.gen(function*() {
      const queue = new LazyQueue<number>(4)
      const reader = yield* Effect.fork(Stream.runCollect(queue.stream))
      yield* Effect.yieldNow()
      expect(queue.unsafeOffer(7)).toBe(true)
      yield* Effect.yieldNow()
      yield* queue.shutdown
      const read = yield* Fiber.join(reader)
      expect(Chunk.toArray(read)).toEqual([7])
      expect(queue.unsafeOffer(8)).toBe(false)
      expect(Array.from(queue.takeQueued())).toEqual([])
    }))

  it.effect("a queue never made before the shutdown refuses offers, and its stream ends at once", () =>
    Effect.gen(function*() {
      const queue = new LazyQueue<number>(4)
      yield* queue.shutdown
      expect(queue.unsafeOffer(1)).toBe(false)
      expect(Chunk.toArray(yield* Stream.runCollect(queue.stream))).toEqual([])
    }))
})
