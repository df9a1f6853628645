/**
 * The driver fiber: the only fiber that steps a member's core. It fires the
 * timers that are due and runs the commands other fibers submitted, in
 * order; after each step it does what the step left for it (follow-up
 * commands at once, then deliveries). Steps that leave no deliveries run
 * back to back in one synchronous loop, with no effect per step.
 *
 * When there is nothing to do it waits on its mailbox alone. The next timer
 * wakes it through an alarm. On Effect's own clock the alarm is a plain timer
 * (what that clock's `sleep` does underneath) that wakes the mailbox; on any
 * other clock (`TestClock`, a test's virtual clock) it is a fiber sleeping on
 * that clock.
 * An alarm is set only when the earliest timer is earlier than the alarm
 * already set, so in the steady state there is one per timer wake-up, none
 * per packet, and no race between the queue and a sleep. On Effect's own
 * clock, an alarm that finds the loop parked fires the due timers itself and
 * wakes the fiber only when they leave deliveries. Likewise a command
 * submitted while the loop is parked and its mailbox empty runs at once, on
 * the submitting fiber (`tryRun`): one stepper at a time still, since the
 * loop parks only between steps, and no queued command is overtaken.
 *
 * @internal
 */
import { Cause, Clock, Duration, Effect } from "effect"
import type { Driver } from "../driver/driver.js"
import type { Timer } from "../swim/io.js"
import type { EventQueue } from "../driver/eventQueue.js"
import type { Mailbox } from "./mailbox.js"
import type { Command, NodeRuntime } from "./nodeRuntime.js"

/** What the loop drives. */
export interface DriverLoop {
  readonly driver: Driver
  readonly runtime: NodeRuntime
  readonly commands: Mailbox<Command>
  readonly timers: EventQueue<Timer>
  readonly clock: Clock.Clock
  /** After every batch of work (gauges), with the time the loop read last: the batch's end, give or take a step. */
  readonly afterBatch: (now: number) => void
}

/** The class of Effect's live clock, on which the alarm needs no fiber. */
const LiveClock = Clock.make().constructor
const noCommands: ReadonlyArray<Command> = []
/** The longest a Node timer may wait; a later alarm wakes the loop early and is set again. */
const maxTimerMillis = 2 ** 31 - 1

/**
 * A defect in one step or delivery (the core promises none; a bug in the runtime might) is logged and
 * the loop goes on: one bad input must not stop a member's protocol.
 */
const survive = (effect: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.catchAllCause(effect, (cause) =>
    Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.logError("a driver step failed", cause))

/** A driver loop: the fiber's work, and the way around its mailbox. */
export interface RunningLoop {
  /** Runs the driver until interrupted (on the loop fiber). */
  readonly run: Effect.Effect<never>
  /**
   * Runs `command` (and the timers due before it) at once, on the caller's fiber, when the loop
   * is parked and its mailbox empty; false when the caller must queue it instead. A command
   * submitted while the loop idles (most received packets) then costs no fiber hop.
   */
  readonly tryRun: (command: Command) => boolean
}

/** A loop for the driver; nothing runs until `run` does. */
export const make = (loop: DriverLoop): RunningLoop => {
  const { driver, runtime, commands, timers, clock } = loop
  const { pending, later } = runtime
  /** Commands taken from the queue, run from `next` on. */
  let batch: ReadonlyArray<Command> = []
  let next = 0
  /**
   * The clock as `runDue` read it last. A batch ends with a read that found nothing due, so the gauges
   * after it take this rather than read the clock again (a read per packet, ~60 ns here).
   */
  let lastRead = 0
  /** A command `tryRun` runs at once: the only one, as it runs only with the mailbox empty (no array per packet). */
  let solo: Command | undefined
  /** When the alarm set last will wake the loop (Infinity: none set); `alarmToken` tells a stale alarm from it. */
  let alarmAt = Infinity
  let alarmToken = 0

  /**
   * One step (a due timer, else a command) and the follow-up commands it left; a defect is kept for
   * logging and the loop goes on. It takes the timer or the command itself rather than a thunk: this
   * runs for every timer and packet, and a closure per step was a steady share of a member's garbage.
   */
  const step = (timer: Timer | undefined, command: Command | undefined): void => {
    try {
      if (timer !== undefined) driver.handle({ _tag: "TimerFired", timer })
      else (command as Command)(driver)
      while (later.length > 0) (later.shift() as Command)(driver)
    } catch (defect) {
      pending.push(Effect.logError("a driver step failed", Cause.die(defect)))
    }
  }

  /**
   * Runs what is due, timers first, then the taken commands, until a step leaves deliveries to
   * perform (true) or nothing is left (false).
   */
  const runDue = (): boolean => {
    for (;;) {
      if (pending.length > 0) return true
      lastRead = clock.unsafeCurrentTimeMillis()
      if (timers.peekTime() <= lastRead) {
        step((timers.pop() as { readonly value: Timer }).value, undefined)
      } else if (solo !== undefined) {
        const command = solo
        solo = undefined
        step(undefined, command)
      } else if (next < batch.length) {
        step(undefined, batch[next++] as Command)
      } else {
        return false
      }
    }
  }

  const deliver: Effect.Effect<void> = Effect.suspend(() =>
    survive(Effect.forEach(pending.splice(0), (effect) => effect, { discard: true }))
  )

  /**
   * The alarm fiber: waits to be set, sleeps until the time it was set for, and then, unless a
   * newer alarm replaced it meanwhile, wakes the loop. It lives as long as the loop.
   */
  let setAlarm: ((token: number) => void) | undefined
  const alarmFiber: Effect.Effect<never> = Effect.forever(
    Effect.flatMap(
      Effect.async<number>((resume) => {
        setAlarm = (token) => {
          setAlarm = undefined
          resume(Effect.succeed(token))
        }
      }),
      (token) => alarm(token)
    )
  )
  /** Sleeps until `alarmAt` and wakes the loop, unless the alarm `token` names was replaced meanwhile. */
  const alarm = (token: number): Effect.Effect<void> =>
    Effect.zipRight(
      clock.sleep(Duration.millis(Math.max(0, alarmAt - clock.unsafeCurrentTimeMillis()))),
      Effect.suspend(() => {
        if (token !== alarmToken) return Effect.void
        alarmAt = Infinity
        commands.wake()
        return Effect.void
      })
    )

  /** On the live clock: the pending Node timer of the alarm. */
  const live = clock.constructor === LiveClock
  let handle: ReturnType<typeof setTimeout> | undefined
  /**
   * True while the loop fiber waits on its mailbox with every taken command run and nothing left to
   * deliver: then no step is under way and code on any fiber (or a Node callback) may step the core
   * itself, which is what the alarm does.
   */
  let parked = false
  /** Sets the Node timer for the earliest timer unless one is set for then or sooner. */
  const armLive = (): void => {
    const at = timers.peekTime()
    if (at >= alarmAt) return
    alarmAt = at
    if (handle !== undefined) clearTimeout(handle)
    handle = setTimeout(ring, Math.min(maxTimerMillis, Math.max(0, at - clock.unsafeCurrentTimeMillis())))
  }
  /**
   * Runs what is due right here, outside the loop fiber, when the loop is parked (true), else
   * nothing (false). The loop is marked busy while this runs, so a step that submits a command
   * (a background fiber forked in a step starts at once) queues it instead of stepping the core
   * within a step. Work that needs the fiber (deliveries, a defect to log, an alarm that needs a fiber)
   * wakes it; whatever of the batch is left then, it runs in order.
   */
  const runHere = (): boolean => {
    if (!parked) return false
    parked = false
    if (runDue()) {
      commands.wake()
      return true
    }
    // Let go of the command run here: it may hold a whole push/pull's states until the next batch.
    batch = noCommands
    loop.afterBatch(lastRead)
    const at = timers.peekTime()
    if (at < alarmAt) {
      if (live) armLive()
      else if (setAlarm !== undefined) {
        alarmAt = at
        setAlarm(++alarmToken)
      } else {
        commands.wake()
        return true
      }
    }
    parked = true
    return true
  }

  /**
   * The Node timer of the alarm. It fires the due timers itself when the loop is parked: most timer
   * wake-ups (gossip rounds with nothing to send, a probe's ping) leave no delivery, and waking a
   * fiber for them costs more than the steps.
   */
  const ring = () => {
    handle = undefined
    alarmAt = Infinity
    if (!runHere()) commands.wake()
  }

  /**
   * Sets the alarm for the earliest timer unless it is set for then or sooner. On the live clock
   * that is a Node timer (replacing a later one). Otherwise the alarm fiber takes it when it is
   * free; when it still sleeps towards a later time (rare: a new timer earlier than every other),
   * a one-off fiber does this alarm and the stale sleep ends harmlessly.
   */
  const arm: Effect.Effect<void> = Effect.suspend(() => {
    const at = timers.peekTime()
    if (at >= alarmAt) return Effect.void
    if (live) {
      armLive()
      return Effect.void
    }
    alarmAt = at
    const token = ++alarmToken
    if (setAlarm !== undefined) {
      setAlarm(token)
      return Effect.void
    }
    return Effect.asVoid(Effect.fork(alarm(token)))
  })

  const cycle: Effect.Effect<void> = Effect.suspend(() => {
    parked = false
    if (runDue()) return deliver
    loop.afterBatch(lastRead)
    batch = commands.takeAll()
    next = 0
    if (batch.length > 0) return Effect.void
    parked = true
    return Effect.zipRight(arm, commands.available)
  })

  const forever = Effect.forever(cycle).pipe(
    Effect.ensuring(Effect.sync(() => {
      parked = false
      if (handle !== undefined) clearTimeout(handle)
    }))
  )
  const tryRun = (command: Command): boolean => {
    // Queued commands go first: a command run here would overtake them.
    if (!parked || commands.size > 0) return false
    solo = command
    return runHere()
  }
  return { run: live ? forever : Effect.zipRight(Effect.fork(alarmFiber), forever), tryRun }
}
