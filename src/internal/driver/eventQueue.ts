/**
 * A min-heap of timed events for virtual time. Ties break by insertion
 * order, so a run is fully deterministic.
 *
 * @internal
 */

interface Entry<A> {
  readonly at: number
  readonly seq: number
  readonly value: A
}

/** A priority queue of values ordered by time, then by insertion. */
export class EventQueue<A> {
  private readonly heap: Array<Entry<A>> = []
  private seq = 0

  /** How many events are waiting. */
  get size(): number {
    return this.heap.length
  }

  /** The time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.heap.length === 0 ? Infinity : (this.heap[0] as Entry<A>).at
  }

  /** Adds `value` to happen at `at`. */
  push(at: number, value: A): void {
    const heap = this.heap
    const entry = { at, seq: this.seq++, value }
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(entry, heap[parent] as Entry<A>)) break
      heap[i] = heap[parent] as Entry<A>
      i = parent
    }
    heap[i] = entry
  }

  /** Removes and returns the earliest event. */
  pop(): { readonly at: number; readonly value: A } | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0] as Entry<A>
    const last = heap.pop() as Entry<A>
    if (heap.length > 0) {
      let i = 0
      const n = heap.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const child = r < n && before(heap[r] as Entry<A>, heap[l] as Entry<A>) ? r : l
        if (!before(heap[child] as Entry<A>, last)) break
        heap[i] = heap[child] as Entry<A>
        i = child
      }
      heap[i] = last
    }
    return top
  }
}

const before = <A>(a: Entry<A>, b: Entry<A>): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)
