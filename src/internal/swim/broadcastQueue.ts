/**
 * A transmit-limited broadcast queue (SWIM's infection-style dissemination).
 *
 * Each queued message is piggybacked on outgoing packets until it has been
 * sent `limit` times; the least-sent go first and, among equals, the newest.
 * A message queued under a key replaces the older one with that key (a newer
 * update about a member makes the old one pointless). The queue is capped:
 * beyond the cap, the most-sent messages are dropped first.
 *
 * A message may go out in another form to some destinations: the caller of
 * `takeBroadcasts` picks, per item, what one destination gets (see
 * `Selection`).
 *
 * @internal
 */
import type { PacketMessage } from "./messages.js"

/** One queued message. */
export interface QueuedBroadcast {
  readonly key: string | undefined
  readonly message: PacketMessage
  readonly size: number
  readonly id: number
  /** Set when someone waits for this broadcast to be fully sent (the leave announcement). */
  readonly notify: boolean
  /**
   * Another form of the message, for destinations that cannot read the
   * queued one, with the destinations (by address) it went to: each gets it
   * at most once. Undefined when there is none.
   */
  readonly alternate: { readonly message: PacketMessage; readonly sentTo: Set<string> } | undefined
  transmits: number
}

/**
 * What one destination gets of a queued item: a message (one transmission),
 * `covered` (it needs nothing more: counts as a transmission, sends nothing)
 * or `skip` (nothing now; the item stays as it was).
 */
export type Selection = PacketMessage | "covered" | "skip"

/** The queue's state: buckets indexed by how often their messages were sent. */
export interface BroadcastQueue {
  readonly buckets: Array<Array<QueuedBroadcast>>
  /**
   * A lower bound of the sizes in each bucket (Infinity when empty), so a
   * packet with less room than that skips the bucket without scanning it.
   */
  readonly minSizes: Array<number>
  readonly byKey: Map<string, QueuedBroadcast>
  size: number
  nextId: number
  readonly capacity: number
}

/** An empty queue holding at most `capacity` messages. */
export const makeBroadcastQueue = (capacity: number): BroadcastQueue => ({
  buckets: [],
  minSizes: [],
  byKey: new Map(),
  size: 0,
  nextId: 0,
  capacity
})

/** What happened to broadcasts someone waits on: fully sent, or replaced/dropped before that. */
export interface Finished {
  readonly message: PacketMessage
  readonly how: "sent" | "replaced" | "dropped"
}

const removeFromBucket = (queue: BroadcastQueue, item: QueuedBroadcast): void => {
  const bucket = queue.buckets[item.transmits]
  if (bucket === undefined) return
  const index = bucket.indexOf(item)
  if (index >= 0) {
    bucket.splice(index, 1)
    queue.size--
  }
  if (item.key !== undefined && queue.byKey.get(item.key) === item) queue.byKey.delete(item.key)
}

const bucketAt = (queue: BroadcastQueue, transmits: number): Array<QueuedBroadcast> => {
  while (queue.buckets.length <= transmits) {
    queue.buckets.push([])
    queue.minSizes.push(Infinity)
  }
  return queue.buckets[transmits] as Array<QueuedBroadcast>
}

/** Lowers bucket `t`'s size bound for a message of `size` bytes. */
const noteSize = (queue: BroadcastQueue, t: number, size: number): void => {
  if (size < (queue.minSizes[t] as number)) queue.minSizes[t] = size
}

const noneFinished: ReadonlyArray<Finished> = Object.freeze([])

/**
 * Queues a message. Returns the waited-on broadcasts this displaced
 * (replaced by key, or dropped for capacity).
 */
export const enqueueBroadcast = (
  queue: BroadcastQueue,
  message: PacketMessage,
  size: number,
  key: string | undefined,
  notify = false,
  alternate?: PacketMessage
): ReadonlyArray<Finished> => {
  // Only a replaced leave announcement finishes anything: every other call returns the shared empty list.
  let finished: ReadonlyArray<Finished> = noneFinished
  if (key !== undefined) {
    const previous = queue.byKey.get(key)
    if (previous !== undefined) {
      removeFromBucket(queue, previous)
      if (previous.notify) finished = [{ message: previous.message, how: "replaced" }]
    }
  }
  const item: QueuedBroadcast = {
    key,
    message,
    size,
    id: queue.nextId++,
    notify,
    alternate: alternate === undefined ? undefined : { message: alternate, sentTo: new Set() },
    transmits: 0
  }
  bucketAt(queue, 0).push(item)
  noteSize(queue, 0, size)
  queue.size++
  if (key !== undefined) queue.byKey.set(key, item)
  // Over capacity: drop the most-sent, oldest first - but never one someone waits on (our own
  // leave): it must really go out, so the queue may exceed its cap by those few.
  for (let t = queue.buckets.length - 1; t >= 0 && queue.size > queue.capacity; t--) {
    const bucket = queue.buckets[t] as Array<QueuedBroadcast>
    let i = 0
    while (i < bucket.length && queue.size > queue.capacity) {
      const candidate = bucket[i] as QueuedBroadcast
      if (candidate.notify) {
        i++
        continue
      }
      removeFromBucket(queue, candidate)
    }
  }
  return finished
}

/** The first index in `bucket` (sorted by id) holding an id above `id`. */
const upperBound = (bucket: ReadonlyArray<QueuedBroadcast>, id: number): number => {
  let lo = 0
  let hi = bucket.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((bucket[mid] as QueuedBroadcast).id > id) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * Adds `items` (sorted by id, descending) to bucket `t`, keeping it sorted by
 * id: one merge per packet instead of an insertion per message.
 */
const mergeInto = (queue: BroadcastQueue, t: number, items: Array<QueuedBroadcast>): void => {
  const bucket = bucketAt(queue, t)
  items.reverse()
  for (let i = 0; i < items.length; i++) noteSize(queue, t, (items[i] as QueuedBroadcast).size)
  const at = upperBound(bucket, (items[0] as QueuedBroadcast).id)
  if (at === bucket.length) {
    for (let i = 0; i < items.length; i++) bucket.push(items[i] as QueuedBroadcast)
    return
  }
  if (items.length === 1) {
    bucket.splice(at, 0, items[0] as QueuedBroadcast)
    return
  }
  const tail = bucket.splice(at)
  let i = 0
  let j = 0
  while (i < tail.length && j < items.length) {
    const a = tail[i] as QueuedBroadcast
    const b = items[j] as QueuedBroadcast
    if (a.id < b.id) {
      bucket.push(a)
      i++
    } else {
      bucket.push(b)
      j++
    }
  }
  while (i < tail.length) bucket.push(tail[i++] as QueuedBroadcast)
  while (j < items.length) bucket.push(items[j++] as QueuedBroadcast)
}

/** The smallest message we ever queue; below this much room, stop looking. */
const smallestMessage = 8

/**
 * Takes messages for one packet: least-sent first, newest first among
 * equals, each costing its size plus `overhead`, within `budget` bytes and
 * `maxCount` messages. Every taken message counts one transmission; those
 * that reach `limit` leave the queue. `select`, when given, says what this
 * packet's destination gets of each item (an alternate no larger than the
 * queued message, since the budget is reckoned with the queued size).
 */
export const takeBroadcasts = (
  queue: BroadcastQueue,
  budget: number,
  overhead: number,
  maxCount: number,
  limit: number,
  taken: Array<PacketMessage>,
  finished: Array<Finished>,
  select?: (item: QueuedBroadcast) => Selection
): number => {
  let used = 0
  const moved: Array<QueuedBroadcast> = []
  for (let t = 0; t < queue.buckets.length && budget - used >= smallestMessage + overhead; t++) {
    const bucket = queue.buckets[t] as Array<QueuedBroadcast>
    if (bucket.length === 0) {
      queue.minSizes[t] = Infinity
      continue
    }
    // No message in this bucket is smaller than its bound: skip it when even that cannot fit.
    const smallest = Math.max(queue.minSizes[t] as number, smallestMessage)
    if (budget - used < smallest + overhead) continue
    let lowest = bucket.length
    for (let i = bucket.length - 1; i >= 0; i--) {
      if (taken.length >= maxCount || budget - used < smallest + overhead) break
      const item = bucket[i] as QueuedBroadcast
      const cost = item.size + overhead
      if (cost > budget - used) continue
      const selected = select === undefined ? item.message : select(item)
      if (selected === "skip") continue
      if (selected !== "covered") {
        used += cost
        taken.push(selected)
      }
      moved.push(item)
      bucket[i] = undefined as unknown as QueuedBroadcast
      lowest = i
    }
    if (lowest !== bucket.length) {
      // Holes only at or above the lowest taken index: compact from there.
      let w = lowest
      for (let r = lowest; r < bucket.length; r++) {
        const item = bucket[r]
        if (item !== undefined) bucket[w++] = item
      }
      bucket.length = w
      if (w === 0) queue.minSizes[t] = Infinity
    }
  }
  // Moved items come grouped by source bucket, newest first; each group joins the next bucket in one merge.
  let group: Array<QueuedBroadcast> = []
  let groupBucket = -1
  for (let m = 0; m < moved.length; m++) {
    const item = moved[m] as QueuedBroadcast
    item.transmits++
    if (item.transmits >= limit) {
      queue.size--
      if (item.key !== undefined && queue.byKey.get(item.key) === item) queue.byKey.delete(item.key)
      if (item.notify) finished.push({ message: item.message, how: "sent" })
    } else {
      if (item.transmits !== groupBucket) {
        if (group.length > 0) mergeInto(queue, groupBucket, group)
        group = []
        groupBucket = item.transmits
      }
      group.push(item)
    }
  }
  if (group.length > 0) mergeInto(queue, groupBucket, group)
  return used
}

/** How many messages are queued. */
export const queueLength = (queue: BroadcastQueue): number => queue.size

/** Drops every message already sent `limit` times or more (after the cluster shrank). */
export const pruneOverLimit = (queue: BroadcastQueue, limit: number, finished: Array<Finished>): void => {
  for (let t = limit; t < queue.buckets.length; t++) {
    const bucket = queue.buckets[t] as Array<QueuedBroadcast>
    for (const item of bucket) {
      queue.size--
      if (item.key !== undefined && queue.byKey.get(item.key) === item) queue.byKey.delete(item.key)
      if (item.notify) finished.push({ message: item.message, how: "sent" })
    }
    bucket.length = 0
  }
}
