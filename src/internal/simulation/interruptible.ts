/**
 * A simulation as an Effect that can be stopped while it runs. The run is
 * synchronous work; done in one piece it would hold the event loop until
 * the end, so a signal handler (NodeRuntime's SIGTERM, SIGINT) could not
 * interrupt it. Here it goes slice by slice, letting the event loop turn
 * between slices, and an interruption takes effect at the next pause.
 *
 * @internal
 */
import { Effect } from "effect"
import type { SimulationReport } from "./result.js"
import { scenarioSlices } from "./runner.js"
import type { Scenario } from "./scenario.js"
import { eventsPerSlice } from "./slices.js"

/**
 * One turn of the host's event loop (a macrotask: pending I/O callbacks and
 * signal handlers run first). A microtask, as `Effect.yieldNow` mostly is,
 * would not let them.
 */
const nextTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  if (typeof setImmediate === "function") {
    const handle = setImmediate(() => resume(Effect.void))
    return Effect.sync(() => clearImmediate(handle))
  }
  const handle = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(handle))
})

/** Runs `scenario` slice by slice; interrupting the fiber stops the run within one slice. */
export const runInterruptibly = (scenario: Scenario, command?: string): Effect.Effect<SimulationReport> =>
  Effect.suspend(() => {
    const slices = scenarioSlices(scenario, command, eventsPerSlice)
    return Effect.gen(function*() {
      for (;;) {
        const next = slices.next()
        if (next.done === true) return next.value
        yield* nextTurn
      }
    })
  })
