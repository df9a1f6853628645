/**
 * A min-heap of timed events for virtual time. Ties break by insertion
 * order, so a run is fully deterministic.
 *
 * The heap keeps times, insertion numbers and values in three parallel
 * arrays rather than an object per event: a simulated storm holds millions
 * of events in flight, and an object each (outliving a scavenge while the
 * packet is in transit) was old-space garbage for every packet.
 *
 * @internal
 */

/** A priority queue of values ordered by time, then by insertion. */
export class EventQueue<A> {
  private readonly times: Array<number> = []
  private readonly seqs: Array<number> = []
  private readonly values: Array<A> = []
  private seq = 0

  /** How many events are waiting. */
  get size(): number {
    return this.values.length
  }

  /** The time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.values.length === 0 ? Infinity : (this.times[0] as number)
  }

  /** Adds `value` to happen at `at`. */
  push(at: number, value: A): void {
    const { seqs, times, values } = this
    const seq = this.seq++
    let i = values.length
    times.push(at)
    seqs.push(seq)
    values.push(value)
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pt = times[parent] as number
      if (!(at < pt || (at === pt && seq < (seqs[parent] as number)))) break
      this.move(parent, i)
      i = parent
    }
    this.put(i, at, seq, value)
  }

  /** Removes and returns the earliest event. */
  pop(): { readonly at: number; readonly value: A } | undefined {
    const { seqs, times, values } = this
    if (values.length === 0) return undefined
    const top = { at: times[0] as number, value: values[0] as A }
    const lastAt = times.pop() as number
    const lastSeq = seqs.pop() as number
    const lastValue = values.pop() as A
    const n = values.length
    if (n > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const child = r < n && this.before(r, l) ? r : l
        const ct = times[child] as number
        if (!(ct < lastAt || (ct === lastAt && (seqs[child] as number) < lastSeq))) break
        this.move(child, i)
        i = child
      }
      this.put(i, lastAt, lastSeq, lastValue)
    }
    return top
  }

  private before(a: number, b: number): boolean {
    const ta = this.times[a] as number
    const tb = this.times[b] as number
    return ta < tb || (ta === tb && (this.seqs[a] as number) < (this.seqs[b] as number))
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number
    this.seqs[to] = this.seqs[from] as number
    this.values[to] = this.values[from] as A
  }

  private put(i: number, at: number, seq: number, value: A): void {
    this.times[i] = at
    this.seqs[i] = seq
    this.values[i] = value
  }
}
