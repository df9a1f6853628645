/**
 * Virtual time for long runs, without `TestClock`. `TestClock` waits for
 * every fiber to suspend (a few `setTimeout(0)` rounds, ~3 ms) before each
 * sleep it completes; 100 members complete some 1,000 sleeps per virtual
 * second between them, so ten virtual minutes would take half an hour. Here
 * the program runs on a scheduler of our own whose queue of ready fibers we
 * drain ourselves, so "every fiber is suspended" is simply "the queue is
 * empty", and then the clock jumps to the next sleep that is due. No real
 * timer is involved: a run is as fast as the CPU work it does, and replays
 * exactly.
 *
 * Only for programs that never wait on the outside world (the memory
 * network, not sockets): a fiber waiting on a real callback would look
 * suspended forever.
 */
import { Clock, Duration, Effect, Exit, type Fiber, Scheduler } from "effect"
import { EventQueue } from "../../src/internal/driver/eventQueue.js"

interface Sleeper {
  resume: (() => void) | undefined
}

/** Runs `program` on virtual time, starting at 0; resolves with its exit once it ends. */
export const run = async <A, E>(
  program: Effect.Effect<A, E>,
  options: {
    /** Fails the run when virtual time passes this (ms). Default: no limit. */
    readonly virtualLimit?: number
    /** Hands the event loop back this often (wall ms), so the test runner stays responsive. */
    readonly yieldEvery?: number
  } = {}
): Promise<Exit.Exit<A, E>> => {
  let now = 0
  let ready: Array<() => void> = []
  const sleepers = new EventQueue<Sleeper>()

  const scheduler: Scheduler.Scheduler = {
    scheduleTask: (task) => {
      ready.push(task)
    },
    shouldYield: Scheduler.defaultShouldYield
  }

  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration) =>
      Effect.async<void>((resume) => {
        const millis = Duration.toMillis(duration)
        if (!(millis > 0)) return resume(Effect.void)
        const sleeper: Sleeper = { resume: () => resume(Effect.void) }
        sleepers.push(now + millis, sleeper)
        // An interrupted sleep stays in the heap, inert, until its time comes.
        return Effect.sync(() => {
          sleeper.resume = undefined
        })
      })
  }

  const fiber: Fiber.RuntimeFiber<A, E> = Effect.runFork(Effect.withClock(program, clock), { scheduler })
  const yieldEvery = options.yieldEvery ?? 50
  let lastYield = performance.now()
  for (;;) {
    while (ready.length > 0) {
      const batch = ready
      ready = []
      for (let i = 0; i < batch.length; i++) batch[i]!()
    }
    const exit = fiber.unsafePoll()
    if (exit !== null) return exit
    const next = sleepers.pop()
    if (next === undefined) {
      fiber.unsafeInterruptAsFork(fiber.id())
      throw new Error(`deadlock at virtual ${now} ms: no fiber is ready and none sleeps`)
    }
    if (next.at > now) now = next.at
    if (options.virtualLimit !== undefined && now > options.virtualLimit) {
      throw new Error(`virtual time passed ${options.virtualLimit} ms`)
    }
    next.value.resume?.()
    if (performance.now() - lastYield > yieldEvery) {
      await new Promise((resolve) => setImmediate(resolve))
      lastYield = performance.now()
    }
  }
}
