/**
 * A simulation run in slices is the same run: the same events in the same
 * order, whatever the slice size, and the Effect that drives it slice by
 * slice can be interrupted while it runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { runInterruptibly } from "../../../src/internal/simulation/interruptible.js"
import { runScenario, scenarioSlices } from "../../../src/internal/simulation/runner.js"
import { makeScenario } from "../../../src/internal/simulation/scenario.js"
import { drain } from "../../../src/internal/simulation/slices.js"

const scenario = makeScenario({
  nodes: 16,
  seed: 5,
  duration: 40_000,
  sampleEvery: 500,
  network: { ...makeScenario().network, loss: 0.03 },
  actions: [
    { _tag: "Kill", at: 5_000, count: 2 },
    { _tag: "Partition", at: 12_000, fraction: 0.25, duration: 8_000, rejoin: true },
    { _tag: "Join", at: 25_000, count: 3 }
  ]
})

describe("simulation slices", () => {
  it("gives the same result in slices of 1, 7 and 5,000 events as in one piece, and pauses as often as the budget says", () => {
    const whole = runScenario(scenario).result
    const pauses: Array<number> = []
    for (const budget of [1, 7, 5_000]) {
      const slices = scenarioSlices(scenario, undefined, budget)
      let count = 0
      let next = slices.next()
      while (next.done !== true) {
        count++
        next = slices.next()
      }
      expect(next.value.result).toEqual(whole)
      pauses.push(count)
    }
    // One event per slice pauses at nearly every event; seven per slice about a seventh as often.
    const [one, seven, many] = pauses as [number, number, number]
    expect(one).toBeGreaterThan(5 * seven)
    expect(seven).toBeGreaterThan(many)
    expect(one).toBeGreaterThan(1_000)
    expect(drain(scenarioSlices(scenario, undefined, Infinity)).result).toEqual(whole)
  })

  it.effect("as an Effect, gives the same result as the synchronous run", () =>
    Effect.gen(function*() {
      const report = yield* runInterruptibly(scenario)
      expect(report.result).toEqual(runScenario(scenario).result)
      expect(report.wall.internerRefusals).toBe(0)
    }))

  it.live("as an Effect, stops when interrupted mid-run", () =>
    Effect.gen(function*() {
      // 400 nodes for an hour: far more work than the test waits for, so it can only end by the interruption.
      const long = makeScenario({ nodes: 400, seed: 1, duration: 3_600_000 })
      const fiber = yield* Effect.fork(runInterruptibly(long))
      yield* Effect.sleep("100 millis")
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
    }))
})
