/**
 * A fixed-capacity history: pushing onto a full ring overwrites the oldest
 * item, which is the policy a "last N" window wants.
 *
 * @internal
 */
export class Ring<A> {
  private readonly items: Array<A> = []
  private start = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`)
  }

  /** How many items it holds. */
  get size(): number {
    return this.items.length
  }

  /** Adds `item`, overwriting the oldest when full. */
  push(item: A): void {
    if (this.items.length < this.capacity) {
      this.items.push(item)
      return
    }
    this.items[this.start] = item
    this.start = (this.start + 1) % this.capacity
  }

  /** The items, oldest first. */
  toArray(): Array<A> {
    return [...this.items.slice(this.start), ...this.items.slice(0, this.start)]
  }

  /** The newest item, if any. */
  last(): A | undefined {
    return this.items.length === 0 ? undefined : this.items[(this.start + this.items.length - 1) % this.items.length]
  }
}
