/**
 * The scenario's timeline: callbacks due at virtual times, on an
 * `EventQueue`, so the next one is found in O(log n) and callbacks due at
 * the same time run in the order they were scheduled (a rolling restart's
 * first kill, scheduled by its start, runs right after it).
 *
 * @internal
 */
import { EventQueue } from "../driver/eventQueue.js"

/** Callbacks due at times counted from an origin: the scenario's start. */
export class Timeline {
  private readonly queue = new EventQueue<() => void>()

  /** @param origin the virtual time (ms) that the actions' `at` times count from. */
  constructor(readonly origin: number) {}

  /** Schedules `run` at `t` ms after the origin; a callback may schedule more. */
  at(t: number, run: () => void): void {
    this.queue.push(this.origin + t, run)
  }

  /** When the next callback is due, in virtual time; Infinity when none is. */
  get nextAt(): number {
    return this.queue.peekTime()
  }

  /** Removes the next callback and runs it. */
  runNext(): void {
    this.queue.pop()?.value()
  }
}
