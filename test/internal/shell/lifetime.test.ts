/**
 * A member's lifetime (src/internal/shell/lifetime.ts): one scope finalizer
 * that releases, in order, what feeds the member, then its fibers, then
 * what must outlive them.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, HashMap, Option, Scope } from "effect"
import * as Lifetime from "../../../src/internal/shell/lifetime.js"

/** A lifetime in a scope of its own, which the test closes. */
const inOwnScope = (member: string) =>
  Effect.flatMap(Scope.make(), (scope) => Effect.map(Scope.extend(Lifetime.make(member), scope), (lifetime) => ({ scope, lifetime })))

describe("Lifetime", () => {
  it.effect("closing the scope runs the releases before the fibers stop, last first, then the ones after", () =>
    Effect.gen(function*() {
      const order: Array<string> = []
      const { lifetime, scope } = yield* inOwnScope("m")
      lifetime.afterFibers(() => order.push("after 1"))
      lifetime.afterFibers(() => order.push("after 2"))
      lifetime.beforeFibers(() => order.push("before 1"))
      lifetime.beforeFibers(() => order.push("before 2"))
      const started = yield* Deferred.make<void>()
      const fiber = lifetime.fork(
        Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(
          Effect.onInterrupt(() => Effect.sync(() => order.push("fiber interrupted")))
        )
      )
      yield* Deferred.await(started)
      expect(lifetime.running).toBe(1)
      yield* Scope.close(scope, Exit.void)
      expect(order).toEqual(["before 2", "before 1", "fiber interrupted", "after 2", "after 1"])
      expect(Exit.isInterrupted(yield* Fiber.await(fiber))).toBe(true)
      expect(lifetime.running).toBe(0)
    }))

  it.effect("a fiber that ends is forgotten; one forked after the close never runs", () =>
    Effect.gen(function*() {
      const { lifetime, scope } = yield* inOwnScope("m")
      const done = lifetime.fork(Effect.succeed(1))
      expect(yield* Fiber.join(done)).toBe(1)
      expect(lifetime.running).toBe(0)
      yield* Scope.close(scope, Exit.void)
      let ran = false
      const late = lifetime.fork(Effect.sync(() => {
        ran = true
      }))
      expect(Exit.isInterrupted(yield* Fiber.await(late))).toBe(true)
      expect(ran).toBe(false)
    }))

  it.effect("a release that throws does not keep the others or the fibers' interruption from running; the close ends as a defect", () =>
    Effect.gen(function*() {
      const ran: Array<string> = []
      const { lifetime, scope } = yield* inOwnScope("m")
      lifetime.afterFibers(() => ran.push("after"))
      lifetime.beforeFibers(() => ran.push("before"))
      lifetime.beforeFibers(() => {
        throw new Error("broken release")
      })
      const fiber = lifetime.fork(Effect.never)
      const exit = yield* Effect.exit(Scope.close(scope, Exit.void))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(ran).toEqual(["before", "after"])
      expect(Exit.isInterrupted(yield* Fiber.await(fiber))).toBe(true)
    }))

  it.effect("its fibers carry the member's log annotation", () =>
    Effect.gen(function*() {
      const { lifetime, scope } = yield* inOwnScope("annotated")
      const annotations = yield* Fiber.join(lifetime.fork(Effect.logAnnotations))
      expect(HashMap.get(annotations, "member")).toEqual(Option.some("annotated"))
      yield* Scope.close(scope, Exit.void)
    }))
})
