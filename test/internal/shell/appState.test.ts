/**
 * The shell's handle on the application's state: bounded, never failing,
 * every drop counted by reason.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Metric, TestClock } from "effect"
import { MemberMetrics } from "../../../src/internal/shell/memberMetrics.js"
import * as AppState from "../../../src/internal/shell/appState.js"
import * as metrics from "../../../src/internal/shell/metrics.js"

const count = (reason: string) =>
  Effect.map(Metric.value(Metric.tagged(Metric.tagged(metrics.appState, "reason", reason), "member", "test")), (s) => s.count)
const timeout = Duration.seconds(5)

describe("AppState", () => {
  it.effect("without hooks: sends nothing, merges nothing, counts nothing", () =>
    Effect.gen(function*() {
      const state = AppState.make({ member: new MemberMetrics("test"), maxSize: 10, timeout })
      expect(yield* state.local(true)).toEqual(new Uint8Array(0))
      const [sent, full] = [yield* count("sent"), yield* count("merge_queue_full")]
      // Nothing to merge into: not even queued, so a thousand cost nothing.
      for (let i = 0; i < 1000; i++) state.merge(new Uint8Array([1]), false)
      expect(yield* count("merge_queue_full")).toBe(full)
      expect(yield* count("sent")).toBe(sent)
    }))

  it.effect("a localState that does not answer within the timeout sends none", () =>
    Effect.gen(function*() {
      const before = yield* count("local_failed")
      const state = AppState.make({ member: new MemberMetrics("test"), localState: () => Effect.never, maxSize: 10, timeout })
      const fiber = yield* Effect.fork(state.local(false))
      yield* TestClock.adjust(timeout)
      expect(yield* Fiber.join(fiber)).toEqual(new Uint8Array(0))
      expect((yield* count("local_failed")) - before).toBe(1)
    }))

  it.effect("merges run one at a time, in order; a failing one is counted and the next still runs", () =>
    Effect.gen(function*() {
      const [merged, failed] = [yield* count("merged"), yield* count("merge_failed")]
      const got: Array<number> = []
      const state = AppState.make({ member: new MemberMetrics("test"),
        mergeRemoteState: (s) => (s[0] === 2 ? Effect.fail("bad state" as never) : Effect.sync(() => got.push(s[0]!))),
        maxSize: 10,
        timeout
      })
      for (const n of [1, 2, 3]) state.merge(new Uint8Array([n]), true)
      const runner = yield* Effect.fork(state.run!)
      yield* Effect.yieldNow({ priority: 1 })
      yield* TestClock.adjust(Duration.millis(1))
      yield* Fiber.interrupt(runner)
      expect(got).toEqual([1, 3])
      expect((yield* count("merged")) - merged).toBe(2)
      expect((yield* count("merge_failed")) - failed).toBe(1)
    }))

  it.effect("received states beyond the queue's 64 are dropped and counted, never waited on", () =>
    Effect.gen(function*() {
      const before = yield* count("merge_queue_full")
      const state = AppState.make({ member: new MemberMetrics("test"), mergeRemoteState: () => Effect.void, maxSize: 10, timeout })
      for (let i = 0; i < 70; i++) state.merge(new Uint8Array([i]), false)
      expect((yield* count("merge_queue_full")) - before).toBe(6)
    }))
})
