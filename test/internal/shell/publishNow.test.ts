/**
 * Publishing from a driver step without an effect (delivery.ts `publishNow`): with no subscriber the
 * item is not built; under `dropping` it is in every queue when the call returns and nothing is left to
 * run; a full queue leaves exactly the drop to count; the other strategies leave the offer to run.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Queue } from "effect"
import * as Delivery from "../../../src/internal/shell/delivery.js"
import { MemberMetrics } from "../../../src/internal/shell/memberMetrics.js"
import * as metrics from "../../../src/internal/shell/metrics.js"

const member = new MemberMetrics("publish-now")
const dropped = (stream: string) => Effect.sync(() => metrics.deliveryDropped.unsafeValue(member.labels.with("stream", stream)).count)

describe("Delivery.publishNow", () => {
  it.effect("builds nothing and leaves nothing to run when no one subscribes", () =>
    Effect.sync(() => {
      const delivery = Delivery.make<number>("none", undefined, member)
      let built = 0
      const rest = delivery.publishNow(() => ++built, undefined)
      expect(rest).toBeUndefined()
      expect(built).toBe(0)
    }))

  it.effect("builds the item from the input it is given, once for every subscriber", () =>
    Effect.scoped(Effect.gen(function*() {
      const delivery = Delivery.make<string>("built", { capacity: 4 }, member)
      const a = yield* delivery.subscribe
      const b = yield* delivery.subscribe
      let builds = 0
      const build = (n: number) => {
        builds++
        return `item ${n}`
      }
      expect(delivery.publishNow(build, 41)).toBeUndefined()
      expect(builds).toBe(1)
      expect(yield* Queue.take(a)).toBe("item 41")
      expect(yield* Queue.take(b)).toBe("item 41")
    })))

  it.effect("under dropping, puts the item in every queue before it returns", () =>
    Effect.scoped(Effect.gen(function*() {
      const delivery = Delivery.make<number>("now", { capacity: 4 }, member)
      const a = yield* delivery.subscribe
      const b = yield* delivery.subscribe
      const rest = delivery.publishNow(() => 7, undefined)
      expect(rest).toBeUndefined()
      expect(a.unsafeSize()).toEqual(Option.some(1))
      expect(b.unsafeSize()).toEqual(Option.some(1))
      expect(yield* Queue.take(a)).toBe(7)
    })))

  it.effect("a full queue leaves the drop to count, once per full subscriber", () =>
    Effect.scoped(Effect.gen(function*() {
      const delivery = Delivery.make<number>("full", { capacity: 2 }, member)
      const full = yield* delivery.subscribe
      const roomy = yield* delivery.subscribe
      expect(delivery.publishNow(() => 1, undefined)).toBeUndefined()
      expect(delivery.publishNow(() => 2, undefined)).toBeUndefined()
      yield* Queue.takeAll(roomy)
      const before = yield* dropped("full")
      const rest = delivery.publishNow(() => 3, undefined)
      expect(rest).toBeDefined()
      expect(delivery.dropped()).toBe(0)
      yield* rest!
      expect(delivery.dropped()).toBe(1)
      expect((yield* dropped("full")) - before).toBe(1)
      expect(yield* Queue.takeAll(full)).toHaveLength(2)
      expect([...(yield* Queue.takeAll(roomy))]).toEqual([3])
    })))

  it.effect("two full subscribers: the drop is counted twice", () =>
    Effect.scoped(Effect.gen(function*() {
      const delivery = Delivery.make<number>("full-twice", { capacity: 1 }, member)
      yield* delivery.subscribe
      yield* delivery.subscribe
      expect(delivery.publishNow(() => 1, undefined)).toBeUndefined()
      const before = yield* dropped("full-twice")
      yield* delivery.publishNow(() => 2, undefined)!
      expect(delivery.dropped()).toBe(2)
      expect((yield* dropped("full-twice")) - before).toBe(2)
    })))

  it.effect("under suspend, leaves the offer to run", () =>
    Effect.scoped(Effect.gen(function*() {
      const delivery = Delivery.make<number>("wait", { capacity: 1, strategy: "suspend" }, member)
      const queue = yield* delivery.subscribe
      const rest = delivery.publishNow(() => 5, undefined)
      expect(rest).toBeDefined()
      expect(queue.unsafeSize()).toEqual(Option.some(0))
      yield* rest!
      expect(yield* Queue.take(queue)).toBe(5)
    })))
})
