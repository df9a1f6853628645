/**
 * A transmit-limited broadcast queue (SWIM's infection-style dissemination).
 *
 * Each queued message is piggybacked on outgoing packets until it has been
 * sent `limit` times; the least-sent go first and, among equals, the newest.
 * A message queued under a key replaces the older one with that key (a newer
 * update about a member makes the old one pointless). The queue is capped:
 * beyond the cap, the most-sent messages are dropped first.
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
  transmits: number
}

/** The queue's state: buckets indexed by how often their messages were sent. */
export interface BroadcastQueue {
  readonly buckets: Array<Array<QueuedBroadcast>>
  readonly byKey: Map<string, QueuedBroadcast>
  size: number
  nextId: number
  readonly capacity: number
}

/** An empty queue holding at most `capacity` messages. */
export const makeBroadcastQueue = (capacity: number): BroadcastQueue => ({
  buckets: [],
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
  while (queue.buckets.length <= transmits) queue.buckets.push([])
  return queue.buckets[transmits] as Array<QueuedBroadcast>
}

/**
 * Queues a message. Returns the waited-on broadcasts this displaced
 * (replaced by key, or dropped for capacity).
 */
export const enqueueBroadcast = (
  queue: BroadcastQueue,
  message: PacketMessage,
  size: number,
  key: string | undefined,
  notify = false
): Array<Finished> => {
  const finished: Array<Finished> = []
  if (key !== undefined) {
    const previous = queue.byKey.get(key)
    if (previous !== undefined) {
      removeFromBucket(queue, previous)
      if (previous.notify) finished.push({ message: previous.message, how: "replaced" })
    }
  }
  const item: QueuedBroadcast = { key, message, size, id: queue.nextId++, notify, transmits: 0 }
  bucketAt(queue, 0).push(item)
  queue.size++
  if (key !== undefined) queue.byKey.set(key, item)
  // Over capacity: drop the most-sent, oldest first.
  for (let t = queue.buckets.length - 1; t >= 0 && queue.size > queue.capacity; t--) {
    const bucket = queue.buckets[t] as Array<QueuedBroadcast>
    while (bucket.length > 0 && queue.size > queue.capacity) {
      const dropped = bucket[0] as QueuedBroadcast
      removeFromBucket(queue, dropped)
      if (dropped.notify) finished.push({ message: dropped.message, how: "dropped" })
    }
  }
  return finished
}

/** The smallest message we ever queue; below this much room, stop looking. */
const smallestMessage = 8

/**
 * Takes messages for one packet: least-sent first, newest first among
 * equals, each costing its size plus `overhead`, within `budget` bytes and
 * `maxCount` messages. Every taken message counts one transmission; those
 * that reach `limit` leave the queue.
 */
export const takeBroadcasts = (
  queue: BroadcastQueue,
  budget: number,
  overhead: number,
  maxCount: number,
  limit: number,
  taken: Array<PacketMessage>,
  finished: Array<Finished>
): number => {
  let used = 0
  const moved: Array<QueuedBroadcast> = []
  for (let t = 0; t < queue.buckets.length && budget - used >= smallestMessage + overhead; t++) {
    const bucket = queue.buckets[t] as Array<QueuedBroadcast>
    if (bucket.length === 0) continue
    let kept = bucket.length
    for (let i = bucket.length - 1; i >= 0; i--) {
      if (taken.length >= maxCount || budget - used < smallestMessage + overhead) break
      const item = bucket[i] as QueuedBroadcast
      const cost = item.size + overhead
      if (cost > budget - used) continue
      used += cost
      taken.push(item.message)
      moved.push(item)
      bucket[i] = undefined as unknown as QueuedBroadcast
      kept--
    }
    if (kept !== bucket.length) {
      let w = 0
      for (let r = 0; r < bucket.length; r++) {
        const item = bucket[r]
        if (item !== undefined) bucket[w++] = item
      }
      bucket.length = w
    }
  }
  for (const item of moved) {
    item.transmits++
    if (item.transmits >= limit) {
      queue.size--
      if (item.key !== undefined && queue.byKey.get(item.key) === item) queue.byKey.delete(item.key)
      if (item.notify) finished.push({ message: item.message, how: "sent" })
    } else {
      // Newest-first order within a bucket is by id; keep the bucket sorted by id.
      const bucket = bucketAt(queue, item.transmits)
      let at = bucket.length
      while (at > 0 && (bucket[at - 1] as QueuedBroadcast).id > item.id) at--
      bucket.splice(at, 0, item)
    }
  }
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
