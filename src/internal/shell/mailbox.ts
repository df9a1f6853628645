/**
 * A bounded first-in-first-out queue with one consumer fiber, for the
 * driver's commands and the sender's outbox. It does what those two need of
 * an Effect `Queue` and no more, without a `Deferred` per wait: the consumer
 * takes everything at once and, when there is nothing, waits through one
 * `Effect.async` that the next item (or `wake`) resumes.
 *
 * Producers either wait while it is full (`offer`, back pressure) or are
 * refused (`unsafeOffer`, for what may be dropped).
 *
 * @internal
 */
import { Effect } from "effect"

interface Blocked<A> {
  readonly item: A
  readonly resume: () => void
}

/** A bounded FIFO with a single consumer. */
export class Mailbox<A> {
  private items: Array<A> = []
  private readonly blocked: Array<Blocked<A>> = []
  private waiter: (() => void) | undefined = undefined
  private woken = false

  constructor(readonly capacity: number) {}

  /** Items waiting. */
  get size(): number {
    return this.items.length
  }

  /** Adds `item` if there is room; false when full (the caller drops and counts). */
  unsafeOffer(item: A): boolean {
    if (this.items.length >= this.capacity) return false
    this.items.push(item)
    this.notify()
    return true
  }

  /** Adds `item` when `offer` would add it without waiting (room, and no producer waiting); false otherwise. */
  offerNow(item: A): boolean {
    return this.blocked.length === 0 && this.unsafeOffer(item)
  }

  /** Adds `item`, waiting while the mailbox is full; producers are admitted in the order they came. */
  offer(item: A): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.offerNow(item)) return Effect.void
      return Effect.async<void>((resume) => {
        const entry: Blocked<A> = { item, resume: () => resume(Effect.void) }
        this.blocked.push(entry)
        // An interrupted producer gives up its place (and its item).
        return Effect.sync(() => {
          const i = this.blocked.indexOf(entry)
          if (i >= 0) this.blocked.splice(i, 1)
        })
      })
    })
  }

  /** Every item waiting, oldest first (possibly none); admits waiting producers into the room made. */
  takeAll(): ReadonlyArray<A> {
    const taken = this.items
    this.items = []
    this.woken = false
    while (this.blocked.length > 0 && this.items.length < this.capacity) {
      const entry = this.blocked.shift() as Blocked<A>
      this.items.push(entry.item)
      entry.resume()
    }
    return taken
  }

  /** Ends when an item is waiting or `wake` was called since the last `takeAll`. One consumer at a time. */
  readonly available: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.items.length > 0 || this.woken) {
      resume(Effect.void)
      return
    }
    this.waiter = () => resume(Effect.void)
    return Effect.sync(() => {
      this.waiter = undefined
    })
  })

  /** Ends the consumer's wait without an item (or makes its next wait end at once). */
  wake(): void {
    this.woken = true
    this.notify()
  }

  private notify(): void {
    const waiter = this.waiter
    if (waiter !== undefined) {
      this.waiter = undefined
      waiter()
    }
  }
}
