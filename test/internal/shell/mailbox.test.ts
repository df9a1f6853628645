import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { Mailbox } from "../../../src/internal/shell/mailbox.js"

describe("Mailbox", () => {
  it("takes everything in order; unsafeOffer refuses when full", () => {
    const box = new Mailbox<number>(3)
    expect([1, 2, 3, 4].map((n) => box.unsafeOffer(n))).toEqual([true, true, true, false])
    expect(box.takeAll()).toEqual([1, 2, 3])
    expect(box.takeAll()).toEqual([])
  })

  it.effect("offer waits while full; waiting producers are admitted in order as room is made", () =>
    Effect.gen(function*() {
      const box = new Mailbox<string>(2)
      yield* box.offer("a")
      yield* box.offer("b")
      const c = yield* Effect.fork(box.offer("c"))
      const d = yield* Effect.fork(box.offer("d"))
      const e = yield* Effect.fork(box.offer("e"))
      yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(c))).toBe(true)
      // A producer that gives up loses its place and its item.
      yield* Fiber.interrupt(d)
      expect(box.takeAll()).toEqual(["a", "b"])
      yield* Fiber.join(c)
      yield* Fiber.join(e)
      expect(box.takeAll()).toEqual(["c", "e"])
    }))

  it.effect("offerNow adds only what offer would add without waiting, so it never overtakes a waiting producer", () =>
    Effect.gen(function*() {
      const box = new Mailbox<string>(1)
      expect(box.offerNow("a")).toBe(true)
      const b = yield* Effect.fork(box.offer("b"))
      yield* Effect.yieldNow()
      expect(box.offerNow("x")).toBe(false)
      expect(box.takeAll()).toEqual(["a"])
      yield* Fiber.join(b)
      expect(box.offerNow("y")).toBe(false)
      expect(box.takeAll()).toEqual(["b"])
      expect(box.offerNow("z")).toBe(true)
      expect(box.takeAll()).toEqual(["z"])
    }))

  it.effect("available ends on the next item, or at once after a wake", () =>
    Effect.gen(function*() {
      const box = new Mailbox<number>(4)
      const waiting = yield* Effect.fork(box.available)
      yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      box.unsafeOffer(1)
      yield* Fiber.join(waiting)
      expect(box.takeAll()).toEqual([1])
      // A wake with nobody waiting is kept for the next wait, and cleared by takeAll.
      box.wake()
      yield* box.available
      box.wake()
      box.takeAll()
      const again = yield* Effect.fork(box.available)
      yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(again))).toBe(true)
      box.wake()
      yield* Fiber.join(again)
    }))
})
