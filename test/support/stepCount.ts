/**
 * Counts the fiber interpreter steps an effect takes, its own and those of
 * every fiber it forks while it runs: a supervisor told of each step
 * (Effect's op supervision) with a running total. A count of work, steady
 * from run to run, where a time would move with the machine's load.
 */
import { Effect, RuntimeFlags, RuntimeFlagsPatch, Supervisor } from "effect"

class StepCounter extends Supervisor.AbstractSupervisor<number> {
  steps = 0
  counting = true
  get value() {
    return Effect.sync(() => this.steps)
  }
  override onEffect(): void {
    if (this.counting) this.steps += 1
  }
}

/** Runs `effect` and returns its value with the steps it took (fibers it forked stop counting when it ends). */
export const countSteps = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<{ value: A; steps: number }, E, R> =>
  Effect.suspend(() => {
    const counter = new StepCounter()
    return effect.pipe(
      Effect.supervised(counter),
      Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision)),
      Effect.map((value) => {
        counter.counting = false
        return { value, steps: counter.steps }
      })
    )
  })
