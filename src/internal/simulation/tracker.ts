/**
 * Every node's view of every other, kept incrementally from membership
 * events, so convergence is known after each event in O(1) instead of by
 * scanning N^2 members.
 *
 * A view entry (observer, subject) is correct when the subject is up and
 * seen alive, or is down (killed, left, not yet started) and seen dead, left
 * or not at all. An observer has converged when all its entries are correct.
 * Only up observers count.
 *
 * @internal
 */
import type { MembershipEvent } from "../swim/io.js"

/** How an observer sees a subject. */
export const Seen = { Unknown: 0, Alive: 1, Suspect: 2, Dead: 3, Left: 4 } as const

/** A failure (a kill or a leave) being watched until every up node has seen it. */
export interface Detection {
  readonly subject: number
  readonly kind: "kill" | "leave"
  readonly at: number
  firstSuspectAt: number | undefined
  firstDeadAt: number | undefined
  /** When the last up observer saw it dead, left or reaped. */
  allAt: number | undefined
}

/**
 * Whether an entry that sees a subject as `st` is correct: an up subject
 * must be seen alive; a down one dead, left or not at all.
 */
const isCorrect = (subjectUp: boolean, st: number): boolean =>
  subjectUp ? st === Seen.Alive : st !== Seen.Alive && st !== Seen.Suspect

/** The views of `n` nodes. */
export class ViewTracker {
  /** seen[o * n + s]: how observer o sees subject s. */
  readonly seen: Uint8Array
  readonly up: Uint8Array
  /** Correct entries per observer (over all subjects). */
  readonly rowCorrect: Int32Array
  /** Up observers with a correct entry, per subject. */
  readonly colCorrect: Int32Array
  /** First time each observer converged in the current phase (NaN: not yet). */
  readonly convergedAt: Float64Array
  upCount = 0
  convergedCount = 0
  /** Sum of rowCorrect over up observers. */
  correctEntries = 0
  /** Open detections by subject. */
  readonly open = new Map<number, Detection>()
  readonly detections: Array<Detection> = []
  phaseStart = 0
  /** First time every up node had a full view in this phase; first time half did. */
  allConvergedAt: number | undefined
  halfConvergedAt: number | undefined

  constructor(readonly n: number) {
    this.seen = new Uint8Array(n * n)
    this.up = new Uint8Array(n)
    this.rowCorrect = new Int32Array(n).fill(n)
    this.colCorrect = new Int32Array(n)
    this.convergedAt = new Float64Array(n).fill(NaN)
  }

  private correct(s: number, st: number): boolean {
    return isCorrect(this.up[s] === 1, st)
  }

  /** Starts a new measurement phase: per-node convergence times are taken from here. */
  startPhase(now: number): void {
    this.phaseStart = now
    this.convergedAt.fill(NaN)
    this.allConvergedAt = undefined
    this.halfConvergedAt = undefined
    this.checkPhase(now)
  }

  private checkPhase(now: number): void {
    if (this.upCount === 0) return
    if (this.halfConvergedAt === undefined && this.convergedCount * 2 >= this.upCount) this.halfConvergedAt = now
    if (this.allConvergedAt === undefined && this.convergedCount === this.upCount) this.allConvergedAt = now
  }

  /** One of `o`'s entries became correct (`delta` 1) or wrong (-1). */
  private adjustRow(o: number, delta: 1 | -1, now: number): void {
    const before = this.rowCorrect[o] as number
    const after = before + delta
    this.rowCorrect[o] = after
    this.rowChanged(o, before, after, now)
  }

  private rowChanged(o: number, before: number, after: number, now: number): void {
    if (this.up[o] !== 1) return
    this.correctEntries += after - before
    const n = this.n
    if (before === n && after !== n) this.convergedCount--
    else if (before !== n && after === n) {
      this.convergedCount++
      if (Number.isNaN(this.convergedAt[o] as number)) this.convergedAt[o] = now
    }
  }

  /** Observer `o` now sees subject `s` as `st`. */
  set(o: number, s: number, st: number, now: number): void {
    const i = o * this.n + s
    const old = this.seen[i] as number
    if (old === st) return
    this.seen[i] = st
    const was = this.correct(s, old)
    const is = this.correct(s, st)
    if (was === is) return
    if (this.up[o] === 1) this.colCorrect[s] = (this.colCorrect[s] as number) + (is ? 1 : -1)
    this.adjustRow(o, is ? 1 : -1, now)
    if (is) this.checkDetection(s, now)
    this.checkPhase(now)
  }

  /** Applies a membership event observed at `o` about `s` (`s` found by name by the caller). */
  onEvent(o: number, s: number, event: MembershipEvent, now: number): void {
    switch (event._tag) {
      case "MemberJoined":
      case "MemberUpdated":
      case "MemberRecovered":
        return this.set(o, s, Seen.Alive, now)
      case "MemberSuspected": {
        const d = this.open.get(s)
        if (d !== undefined && d.firstSuspectAt === undefined) d.firstSuspectAt = now
        return this.set(o, s, Seen.Suspect, now)
      }
      case "MemberFailed":
      case "MemberLeft": {
        const d = this.open.get(s)
        if (d !== undefined) {
          if (d.firstDeadAt === undefined) d.firstDeadAt = now
          if (d.firstSuspectAt === undefined) d.firstSuspectAt = now
        }
        return this.set(o, s, event._tag === "MemberFailed" ? Seen.Dead : Seen.Left, now)
      }
      case "LocalStatus":
        return this.set(o, o, event.status === "alive" ? Seen.Alive : Seen.Left, now)
      case "NameConflict":
        return
    }
  }

  /** A member was reaped from `o`'s view (it knew it dead or left). */
  forget(o: number, s: number, now: number): void {
    this.set(o, s, Seen.Unknown, now)
  }

  private checkDetection(s: number, now: number): void {
    const d = this.open.get(s)
    if (d === undefined || this.up[s] === 1) return
    if ((this.colCorrect[s] as number) >= this.upCount) {
      d.allAt = now
      this.open.delete(s)
    }
  }

  /** Truth: node `x` is now up (started, restarted, resumed from a leave) or down (killed, left). */
  setUp(x: number, up: boolean, now: number, kind: "kill" | "leave" = "kill"): void {
    const n = this.n
    if ((this.up[x] === 1) === up) return
    // 1. As an observer: leave the counts while its truth changes.
    if (this.up[x] === 1) {
      this.upCount--
      this.correctEntries -= this.rowCorrect[x] as number
      if (this.rowCorrect[x] === n) this.convergedCount--
      for (let s = 0; s < n; s++) {
        if (this.correct(s, this.seen[x * n + s] as number)) this.colCorrect[s] = (this.colCorrect[s] as number) - 1
      }
    }
    // 2. As a subject: every observer's entry about x flips correctness or not.
    const wasUp = this.up[x] === 1
    let col = 0
    for (let o = 0; o < n; o++) {
      const st = this.seen[o * n + x] as number
      const was = isCorrect(wasUp, st)
      const is = isCorrect(up, st)
      // x's own row is out of the counts here (steps 1 and 3 take it out and put it back).
      if (was !== is && o !== x) this.adjustRow(o, is ? 1 : -1, now)
      else if (was !== is) this.rowCorrect[o] = (this.rowCorrect[o] as number) + (is ? 1 : -1)
      if (is && o !== x && this.up[o] === 1) col++
    }
    this.up[x] = up ? 1 : 0
    // 3. As an observer again, when up.
    if (up) {
      this.upCount++
      this.correctEntries += this.rowCorrect[x] as number
      if (this.rowCorrect[x] === n) {
        this.convergedCount++
        if (Number.isNaN(this.convergedAt[x] as number)) this.convergedAt[x] = now
      }
      for (let s = 0; s < n; s++) {
        if (s !== x && this.correct(s, this.seen[x * n + s] as number)) this.colCorrect[s] = (this.colCorrect[s] as number) + 1
      }
      if (this.correct(x, this.seen[x * n + x] as number)) col++
      this.open.delete(x)
    } else {
      const d: Detection = { subject: x, kind, at: now, firstSuspectAt: undefined, firstDeadAt: undefined, allAt: undefined }
      this.detections.push(d)
      this.open.set(x, d)
    }
    this.colCorrect[x] = col
    // Fewer observers may complete other detections.
    if (!up) for (const s of Array.from(this.open.keys())) this.checkDetection(s, now)
    this.checkPhase(now)
  }

  /** A node restarted with an empty view: forget its whole row. */
  resetRow(o: number, now: number): void {
    const n = this.n
    for (let s = 0; s < n; s++) this.set(o, s, Seen.Unknown, now)
  }

  /** Fraction of up nodes with a full, correct view. */
  convergedFraction(): number {
    return this.upCount === 0 ? 1 : this.convergedCount / this.upCount
  }

  /** Fraction of correct (up observer, subject) entries. */
  correctFraction(): number {
    return this.upCount === 0 ? 1 : this.correctEntries / (this.upCount * this.n)
  }

  /** Recomputes every count from `seen` and `up` (for tests of the incremental bookkeeping). */
  recount(): { upCount: number; convergedCount: number; correctEntries: number; colCorrect: Array<number> } {
    const n = this.n
    let upCount = 0
    let convergedCount = 0
    let correctEntries = 0
    const colCorrect = new Array<number>(n).fill(0)
    for (let o = 0; o < n; o++) {
      if (this.up[o] !== 1) continue
      upCount++
      let row = 0
      for (let s = 0; s < n; s++) {
        if (this.correct(s, this.seen[o * n + s] as number)) {
          row++
          colCorrect[s] = (colCorrect[s] as number) + 1
        }
      }
      correctEntries += row
      if (row === n) convergedCount++
    }
    return { upCount, convergedCount, correctEntries, colCorrect }
  }
}
