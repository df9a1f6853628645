/**
 * Reconvergence after each action: when a disruption ends (the action
 * itself, or its heal, resume or restart) it is marked and the tracker
 * starts a new phase; the mark resolves when every up node has a fully
 * correct view again.
 *
 * @internal
 */
import type { ActionReport } from "./result.js"
import type { ViewTracker } from "./tracker.js"

interface Mark {
  readonly action: string
  readonly at: number
  reconverged: number | undefined
}

/** The marks of a run, resolved against the tracker. */
export class Reconvergence {
  private readonly marks: Array<Mark> = []

  constructor(private readonly tracker: ViewTracker) {}

  /** A disruption labelled `action` ended at `now`: measure convergence from here. */
  mark(action: string, now: number): void {
    this.marks.push({ action, at: now, reconverged: undefined })
    this.tracker.startPhase(now)
  }

  /**
   * Resolves every open mark set no later than the tracker's latest full
   * convergence. Call after each step of virtual time and each action, so
   * no convergence goes unseen before the next mark restarts the phase.
   */
  resolve(): void {
    const all = this.tracker.allConvergedAt
    if (all === undefined) return
    for (const m of this.marks) {
      if (m.reconverged === undefined && all >= m.at) m.reconverged = all - m.at
    }
  }

  /** The marks in the order they were set. */
  reports(): Array<ActionReport> {
    return this.marks.map((m) => ({ action: m.action, at: m.at, reconverged: m.reconverged }))
  }
}
