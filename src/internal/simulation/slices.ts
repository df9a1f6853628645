/**
 * A simulation run in slices: a generator that pauses (`yield`) after a
 * bounded number of events, so whoever drives it can let the event loop run
 * between slices (a signal handler, a timer) and stop it there. A run
 * driven slice by slice handles the same events in the same order as one
 * drained at once.
 *
 * @internal
 */

/** Events handled between two pauses: a few tens of milliseconds of work at thousands of nodes. */
export const eventsPerSlice = 20_000

/** Runs `slices` to its end without pausing; returns what it returns. */
export const drain = <A>(slices: Generator<void, A>): A => {
  for (;;) {
    const next = slices.next()
    if (next.done === true) return next.value
  }
}
