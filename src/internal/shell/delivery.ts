/**
 * Bounded delivery of events and messages to the application. Each
 * subscriber has its own queue of `capacity` items, so a slow subscriber
 * only loses its own items; what happens when its queue is full is the
 * strategy the application chose:
 *
 * - `dropping`: the new item is dropped (memberlist's choice);
 * - `sliding`: the oldest queued item is dropped to make room;
 * - `suspend`: the member waits until the subscriber takes one (back
 *   pressure: the member's protocol stalls meanwhile, so a subscriber that
 *   calls back into the member must not use it).
 *
 * Every dropped item is counted in `memberlist_delivery_dropped` (tagged
 * with `stream` and the member) and logged, at most once per `logEvery`.
 *
 * @internal
 */
import { Effect, Option, Queue, type Scope } from "effect"
import type { MemberMetrics } from "./memberMetrics.js"
import * as metrics from "./metrics.js"

/** What happens to an item a full subscriber queue cannot take. */
export type DeliveryStrategy = "dropping" | "sliding" | "suspend"

/** A subscriber queue's size and policy. */
export interface DeliveryOptions {
  /** Items a subscriber may have waiting (default 1024). */
  readonly capacity?: number | undefined
  /** What a full queue does (default `dropping`). */
  readonly strategy?: DeliveryStrategy | undefined
}

/** Fan-out of items to subscribers, each with a bounded queue. */
export interface Delivery<A> {
  /** A queue that receives every item published from now on, until the scope closes. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<A>, never, Scope.Scope>
  /** Offers `item` to every subscriber, under the strategy. */
  readonly publish: (item: A) => Effect.Effect<void>
  /**
   * Publishes without running an effect where that is possible, for a caller that cannot run one (a
   * driver step): with no subscriber the item is not even built; under `dropping` every offer is
   * immediate. What is left, if anything (drops to count and log, or an offer that may slide or wait),
   * is returned for the caller to run later, in order; undefined means the item is fully delivered.
   * The item is `build(input)`: a builder made once and its input, rather than a closure per item.
   */
  readonly publishNow: <X>(build: (input: X) => A, input: X) => Effect.Effect<void> | undefined
  /** Whether any subscriber could take an item now without dropping (lets a publisher skip decoding). */
  readonly wanted: () => boolean
  /** Counts an item that no subscriber could take (after `wanted` said so) as dropped by each. */
  readonly discard: Effect.Effect<void>
  /** Items dropped so far, over all subscribers. */
  readonly dropped: () => number
}

/** Why a `DeliveryOptions` cannot be used, or undefined. */
export const invalidDeliveryOptions = (options: DeliveryOptions | undefined): string | undefined => {
  const capacity = options?.capacity
  if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 1 || capacity > 1_000_000)) {
    return "capacity must be a whole number from 1 to 1000000"
  }
  const strategy = options?.strategy
  if (strategy !== undefined && strategy !== "dropping" && strategy !== "sliding" && strategy !== "suspend") {
    return "strategy must be dropping, sliding or suspend"
  }
  return undefined
}

const logEvery = 10_000

/** A delivery for the `stream` named (events, messages). */
export const make = <A>(stream: string, options: DeliveryOptions | undefined, member: MemberMetrics): Delivery<A> => {
  const capacity = options?.capacity ?? 1024
  const strategy = options?.strategy ?? "dropping"
  const subscribers = new Set<Queue.Queue<A>>()
  let droppedTotal = 0
  let droppedSinceLog = 0
  let lastLog = -Infinity

  const countDrop = Effect.suspend(() => {
    droppedTotal++
    droppedSinceLog++
    member.countAs(metrics.deliveryDropped, "stream", stream)
    return Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => {
      if (now - lastLog < logEvery) return Effect.void
      const count = droppedSinceLog
      droppedSinceLog = 0
      lastLog = now
      return Effect.logWarning(`a ${stream} subscriber is full (${strategy}, capacity ${capacity}): dropped ${count}`)
    })
  })

  const makeQueue = strategy === "sliding"
    ? Queue.sliding<A>(capacity)
    : strategy === "suspend"
    ? Queue.bounded<A>(capacity)
    : Queue.dropping<A>(capacity)

  const offer = (queue: Queue.Queue<A>, item: A): Effect.Effect<void> => {
    switch (strategy) {
      case "dropping":
        return queue.unsafeOffer(item) || !subscribers.has(queue) ? Effect.void : countDrop
      case "sliding":
        return Effect.flatMap(Queue.isFull(queue), (full) =>
          full ? Effect.zipRight(Queue.offer(queue, item), countDrop) : Queue.offer(queue, item))
      case "suspend":
        return Queue.offer(queue, item)
    }
  }

  return {
    subscribe: Effect.acquireRelease(
      Effect.tap(makeQueue, (queue) => Effect.sync(() => subscribers.add(queue))),
      (queue) => Effect.zipRight(Effect.sync(() => subscribers.delete(queue)), Queue.shutdown(queue))
    ),
    publish: (item) =>
      subscribers.size === 0 ? Effect.void : Effect.forEach(subscribers, (queue) => offer(queue, item), { discard: true }),
    publishNow: (build, input) => {
      if (subscribers.size === 0) return undefined
      const item = build(input)
      if (strategy !== "dropping") return Effect.forEach(subscribers, (queue) => offer(queue, item), { discard: true })
      let drops = 0
      for (const queue of subscribers) if (!queue.unsafeOffer(item)) drops++
      return drops === 0 ? undefined : Effect.repeatN(countDrop, drops - 1)
    },
    wanted: () => {
      if (strategy !== "dropping") return subscribers.size > 0
      for (const queue of subscribers) {
        const size = queue.unsafeSize()
        if (Option.isSome(size) && size.value < capacity) return true
      }
      return false
    },
    discard: Effect.suspend(() => Effect.forEach(subscribers, () => countDrop, { discard: true })),
    dropped: () => droppedTotal
  }
}
