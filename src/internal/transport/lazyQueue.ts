/**
 * A bounded queue that exists only once something needs it: a packet or a
 * connection arrives while no fast-path receiver is set, or someone reads
 * the stream. A member takes the fast path as it starts, so its transport's
 * two queues are never made; making them (two `Queue.bounded`, each with its
 * `Deferred`) was about a tenth of a transport's start (docs/performance.md,
 * "Member start-up, sixth pass").
 *
 * Once shut down, a queue made late is made shut down, so a stream read
 * after the transport closed ends, as it does on a queue that was shut.
 *
 * @internal
 */
import { Effect, Queue, Stream } from "effect"

/** A bounded queue made on first use. */
export class LazyQueue<A> {
  private queue: Queue.Queue<A> | undefined = undefined
  private closed = false

  constructor(private readonly capacity: number) {}

  /** The queue, made now if it was not yet (outside any fiber: this runs in socket callbacks). */
  private made(): Queue.Queue<A> {
    if (this.queue === undefined) {
      const queue = Effect.runSync(Queue.bounded<A>(this.capacity))
      if (this.closed) Effect.runSync(Queue.shutdown(queue))
      this.queue = queue
    }
    return this.queue
  }

  /** Adds `item` if there is room; false when full or shut down (the caller drops and counts). */
  unsafeOffer(item: A): boolean {
    return !this.closed && this.made().unsafeOffer(item)
  }

  /** Everything queued now, taken without waiting; nothing when the queue was never made or is shut down. */
  takeQueued(): Iterable<A> {
    const queue = this.queue
    if (queue === undefined || this.closed) return []
    const size = queue.unsafeSize()
    if (size._tag === "None" || size.value <= 0) return []
    return Effect.runSync(Queue.takeAll(queue))
  }

  /** The items as a stream: the queue is made when the stream is first run. */
  readonly stream: Stream.Stream<A> = Stream.suspend(() => Stream.fromQueue(this.made()))

  /** Shuts the queue down (if made) and every queue made later. */
  readonly shutdown: Effect.Effect<void> = Effect.suspend(() => {
    this.closed = true
    return this.queue === undefined ? Effect.void : Queue.shutdown(this.queue)
  })
}
