import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, TestClock } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import type { Driver } from "../../../src/internal/driver/driver.js"
import { EventQueue } from "../../../src/internal/driver/eventQueue.js"
import * as DriverLoop from "../../../src/internal/shell/driverLoop.js"
import { Mailbox } from "../../../src/internal/shell/mailbox.js"
import type { Command, NodeRuntime } from "../../../src/internal/shell/nodeRuntime.js"
import type { Timer } from "../../../src/internal/swim/io.js"

/** A loop around a driver that only records what it was asked to do, in order. */
const harness = Effect.gen(function*() {
  const log: Array<string> = []
  const driver = {
    handle: (input: { readonly _tag: string }) => log.push(input._tag)
  } as unknown as Driver
  const runtime = { pending: [], later: [] } as unknown as NodeRuntime
  const commands = new Mailbox<Command>(16)
  const timers = new EventQueue<Timer>()
  const clock = yield* Effect.clock
  let batches = 0
  const loop = DriverLoop.make({ driver, runtime, commands, timers, clock, afterBatch: () => batches++ })
  const fiber = yield* Effect.fork(loop.run)
  // Let the loop take its (empty) mailbox and park.
  yield* settle
  return { log, runtime, commands, timers, clock, loop, fiber, batches: () => batches }
})

/** Lets the loop fiber (and anything it woke) run: a bounded number of turns. */
const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow(), { discard: true })

setFlagsFromString("--expose-gc")
const gc: () => void = runInNewContext("gc")

const note = (what: string): Command => (d) => d.handle({ _tag: what } as never)

describe("the driver loop", () => {
  it.effect("a command submitted while the loop is parked runs at once, on the caller, timers due before it first", () =>
    Effect.gen(function*() {
      const h = yield* harness
      h.timers.push(h.clock.unsafeCurrentTimeMillis(), { _tag: "Gossip" } as unknown as Timer)
      expect(h.loop.tryRun(note("Received"))).toBe(true)
      // Ran before tryRun returned: no fiber was woken for it.
      expect(h.log).toEqual(["TimerFired", "Received"])
      expect(h.commands.size).toBe(0)
      yield* Fiber.interrupt(h.fiber)
    }))

  it.effect("with commands queued, tryRun refuses (it would overtake them); the loop then runs them in order", () =>
    Effect.gen(function*() {
      const h = yield* harness
      h.commands.unsafeOffer(note("first"))
      expect(h.loop.tryRun(note("second"))).toBe(false)
      h.commands.unsafeOffer(note("second"))
      yield* settle
      expect(h.log).toEqual(["first", "second"])
      // Parked again: the next one runs at once.
      expect(h.loop.tryRun(note("third"))).toBe(true)
      expect(h.log).toEqual(["first", "second", "third"])
      yield* Fiber.interrupt(h.fiber)
    }))

  it.effect("a command submitted from within a step run at once is queued, not run inside that step", () =>
    Effect.gen(function*() {
      const h = yield* harness
      let nested: boolean | undefined
      const outer: Command = (d) => {
        d.handle({ _tag: "outer-start" } as never)
        nested = h.loop.tryRun(note("inner"))
        if (!nested) h.commands.unsafeOffer(note("inner"))
        d.handle({ _tag: "outer-end" } as never)
      }
      expect(h.loop.tryRun(outer)).toBe(true)
      expect(nested).toBe(false)
      expect(h.log).toEqual(["outer-start", "outer-end"])
      yield* settle
      expect(h.log).toEqual(["outer-start", "outer-end", "inner"])
      yield* Fiber.interrupt(h.fiber)
    }))

  it.effect("a step that leaves a delivery wakes the loop fiber, which performs it after the step", () =>
    Effect.gen(function*() {
      const h = yield* harness
      const delivered: Array<string> = []
      const withDelivery: Command = (d) => {
        d.handle({ _tag: "step" } as never)
        h.runtime.pending.push(Effect.sync(() => delivered.push("delivery")))
      }
      expect(h.loop.tryRun(withDelivery)).toBe(true)
      expect(delivered).toEqual([])
      yield* settle
      expect(h.log).toEqual(["step"])
      expect(delivered).toEqual(["delivery"])
      yield* Fiber.interrupt(h.fiber)
    }))

  it.effect("once interrupted, the loop runs nothing more at once", () =>
    Effect.gen(function*() {
      const h = yield* harness
      yield* Fiber.interrupt(h.fiber)
      expect(h.loop.tryRun(note("late"))).toBe(false)
      expect(h.log).toEqual([])
    }))

  it.effect("timers on a virtual clock still fire at their time through the alarm fiber", () =>
    Effect.gen(function*() {
      const h = yield* harness
      const now = h.clock.unsafeCurrentTimeMillis()
      // A command run at once schedules a timer: the loop must arm an alarm for it.
      expect(h.loop.tryRun(() => h.timers.push(now + 1000, { _tag: "Probe" } as unknown as Timer))).toBe(true)
      yield* TestClock.adjust(Duration.millis(999))
      expect(h.log).toEqual([])
      yield* TestClock.adjust(Duration.millis(1))
      yield* settle
      expect(h.log).toEqual(["TimerFired"])
      yield* Fiber.interrupt(h.fiber)
    }))

  it.effect("a command run at once is not kept after it ran (it may hold a whole push/pull's states)", () =>
    Effect.gen(function*() {
      const h = yield* harness
      // Made and submitted in a function of its own, so only the command holds the array.
      const held = (() => {
        const states = Array.from({ length: 1000 }, (_, i) => i)
        expect(h.loop.tryRun((d) => d.handle({ _tag: `merged ${states.length}` } as never))).toBe(true)
        return new WeakRef(states)
      })()
      expect(h.log).toEqual(["merged 1000"])
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      gc()
      expect(held.deref()).toBeUndefined()
      yield* Fiber.interrupt(h.fiber)
    }))

  it.effect("a timer or command whose step throws is kept for logging; the steps after it, and each step's follow-ups, still run", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const later: Array<Command> = []
      const pending: Array<Effect.Effect<void>> = []
      const driver = {
        handle: (input: { readonly _tag: string; readonly timer?: { readonly _tag: string } }) => {
          const what = input.timer?._tag ?? input._tag
          if (what.startsWith("boom")) throw new Error(what)
          log.push(what)
          // Every step that succeeds leaves one follow-up, run before the next step.
          if (!what.startsWith("after")) later.push(note(`after-${what}`))
        }
      } as unknown as Driver
      const runtime = { pending, later } as unknown as NodeRuntime
      const timers = new EventQueue<Timer>()
      const clock = yield* Effect.clock
      const loop = DriverLoop.make({ driver, runtime, commands: new Mailbox<Command>(16), timers, clock, afterBatch: () => {} })
      const fiber = yield* Effect.fork(loop.run)
      yield* settle
      const now = clock.unsafeCurrentTimeMillis()
      timers.push(now, { _tag: "boom-timer" } as unknown as Timer)
      timers.push(now, { _tag: "Gossip" } as unknown as Timer)
      expect(loop.tryRun(note("boom-command"))).toBe(true)
      // The first defect stops the run here: it waits in `pending` for the loop fiber to log it.
      expect(log).toEqual([])
      expect(pending.length).toBe(1)
      yield* settle
      // The fiber logged it and went on: the other timer, its follow-up, then the throwing command.
      expect(log).toEqual(["Gossip", "after-Gossip"])
      expect(pending.length).toBe(0)
      expect(loop.tryRun(note("Received"))).toBe(true)
      expect(log).toEqual(["Gossip", "after-Gossip", "Received", "after-Received"])
      yield* Fiber.interrupt(fiber)
    }))
})
