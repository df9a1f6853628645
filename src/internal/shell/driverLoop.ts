/**
 * The driver fiber: the only fiber that steps a member's core. It fires the
 * timers that are due, then runs the commands other fibers submitted, in
 * order, and after each step does what the step left pending (deliveries,
 * follow-up commands). It sleeps until the next command or the next timer,
 * whichever comes first, on the Effect clock (so `TestClock` drives it).
 *
 * @internal
 */
import { Cause, Chunk, type Clock, Duration, Effect, Option, Queue } from "effect"
import type { Driver } from "../driver/driver.js"
import type { Timer } from "../swim/io.js"
import type { EventQueue } from "../driver/eventQueue.js"
import type { Command, NodeRuntime } from "./nodeRuntime.js"

/** What the loop drives. */
export interface DriverLoop {
  readonly driver: Driver
  readonly runtime: NodeRuntime
  readonly commands: Queue.Queue<Command>
  readonly timers: EventQueue<Timer>
  readonly clock: Clock.Clock
  /** After every batch of work (gauges). */
  readonly afterBatch: () => void
}

const flush = (runtime: NodeRuntime, driver: Driver): Effect.Effect<void> =>
  Effect.suspend(function loop(): Effect.Effect<void> {
    while (runtime.later.length > 0) (runtime.later.shift() as Command)(driver)
    if (runtime.pending.length === 0) return Effect.void
    const work = runtime.pending.splice(0)
    return Effect.zipRight(Effect.forEach(work, (effect) => effect, { discard: true }), Effect.suspend(loop))
  })

/**
 * A defect in one step (the core promises none; a bug in the runtime might) is logged and the loop
 * goes on: one bad input must not stop a member's protocol.
 */
const survive = (effect: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.catchAllCause(effect, (cause) =>
    Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.logError("a driver step failed", cause))

/** Runs the driver until interrupted. */
export const run = (loop: DriverLoop): Effect.Effect<never> => {
  const { driver, runtime, commands, timers, clock } = loop
  const fireDue = Effect.suspend(function fire(): Effect.Effect<void> {
    const now = clock.unsafeCurrentTimeMillis()
    if (timers.peekTime() > now) return Effect.void
    const due = timers.pop()!
    return Effect.zipRight(
      survive(Effect.suspend(() => {
        driver.handle({ _tag: "TimerFired", timer: due.value })
        return flush(runtime, driver)
      })),
      Effect.suspend(fire)
    )
  })
  const runCommands = (batch: Chunk.Chunk<Command>) =>
    Effect.forEach(batch, (command) =>
      survive(Effect.suspend(() => {
        command(driver)
        return flush(runtime, driver)
      })), { discard: true })
  const next: Effect.Effect<Chunk.Chunk<Command>> = Effect.flatMap(Queue.takeAll(commands), (batch) => {
    if (Chunk.isNonEmpty(batch)) return Effect.succeed(batch)
    const wait = timers.peekTime() - clock.unsafeCurrentTimeMillis()
    if (wait === Infinity) return Effect.map(Queue.take(commands), Chunk.of)
    if (wait <= 0) return Effect.succeed(Chunk.empty())
    return Effect.map(
      Effect.timeoutOption(Queue.take(commands), Duration.millis(wait)),
      Option.match({ onNone: () => Chunk.empty<Command>(), onSome: Chunk.of })
    )
  })
  return Effect.forever(
    fireDue.pipe(
      Effect.zipRight(next),
      Effect.flatMap(runCommands),
      Effect.tap(() => loop.afterBatch())
    )
  )
}
