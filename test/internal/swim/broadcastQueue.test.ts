import { describe, expect, it } from "@effect/vitest"
import {
  type BroadcastQueue,
  enqueueBroadcast,
  type Finished,
  makeBroadcastQueue,
  pruneOverLimit,
  queueLength,
  takeBroadcasts
} from "../../../src/internal/swim/broadcastQueue.js"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"

const user = (id: number, size = 10): PacketMessage => ({ _tag: "User", payload: new Uint8Array(size).fill(id) })
const idOf = (m: PacketMessage): number => (m._tag === "User" ? m.payload[0]! : -1)

/** Takes one packet's worth: returns the ids taken and what finished. */
const take = (
  queue: BroadcastQueue,
  { budget = 1000, limit = 100, maxCount = 255, overhead = 2 } = {}
): { ids: Array<number>; finished: Array<Finished>; used: number } => {
  const taken: Array<PacketMessage> = []
  const finished: Array<Finished> = []
  const used = takeBroadcasts(queue, budget, overhead, maxCount, limit, taken, finished)
  return { ids: taken.map(idOf), finished, used }
}

const enqueue = (queue: BroadcastQueue, id: number, key?: string, notify = false, size = 10) =>
  enqueueBroadcast(queue, user(id, size), size, key, notify)

describe("broadcast queue: transmit limit", () => {
  it("a message is taken `limit` times, then leaves the queue", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1)
    for (let i = 0; i < 3; i++) expect(take(q, { limit: 3 }).ids).toEqual([1])
    expect(queueLength(q)).toBe(0)
    expect(take(q, { limit: 3 }).ids).toEqual([])
  })

  it("a waited-on message reports `sent` when it reaches the limit", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1, "leave", true)
    expect(take(q, { limit: 2 }).finished).toEqual([])
    expect(take(q, { limit: 2 }).finished).toEqual([{ message: user(1), how: "sent" }])
  })

  it("pruneOverLimit drops everything already sent `limit` times (the cluster shrank)", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1, "a", true)
    enqueue(q, 2)
    take(q, { maxCount: 1 }) // 2 sent once
    take(q, { maxCount: 1 }) // 1 sent once (fewest-sent first)
    take(q, { maxCount: 1 }) // 2 sent twice (both at 1: newest first)
    const finished: Array<Finished> = []
    pruneOverLimit(q, 2, finished)
    expect(queueLength(q)).toBe(1)
    expect(finished).toEqual([])
    pruneOverLimit(q, 1, finished)
    expect(queueLength(q)).toBe(0)
    expect(finished).toEqual([{ message: user(1), how: "sent" }])
  })
})

describe("broadcast queue: order", () => {
  it("the fewest-sent go first", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1)
    take(q) // 1: 1 transmit
    enqueue(q, 2)
    expect(take(q, { maxCount: 1 }).ids).toEqual([2])
    take(q, { maxCount: 1 }) // 2 (newest) again: 2 at 2
    expect(take(q, { maxCount: 1 }).ids).toEqual([1])
  })

  it("the newest go first among equally sent", () => {
    const q = makeBroadcastQueue(100)
    for (const id of [1, 2, 3]) enqueue(q, id)
    expect(take(q).ids).toEqual([3, 2, 1])
    expect(take(q).ids).toEqual([3, 2, 1])
  })
})

describe("broadcast queue: replacement by key", () => {
  it("a newer message with the same key replaces the older", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1, "node-a")
    enqueue(q, 2, "node-b")
    enqueue(q, 3, "node-a")
    expect(queueLength(q)).toBe(2)
    expect(take(q).ids.sort()).toEqual([2, 3])
  })

  it("replacing a partly sent message starts the new one at zero transmits", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1, "k")
    take(q, { limit: 2 })
    enqueue(q, 2, "k")
    expect(take(q, { limit: 2 }).ids).toEqual([2])
    expect(take(q, { limit: 2 }).ids).toEqual([2])
    expect(queueLength(q)).toBe(0)
  })

  it("messages without a key never replace each other", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1)
    enqueue(q, 1)
    expect(queueLength(q)).toBe(2)
  })

  it("replacing a waited-on message reports it `replaced`", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1, "self", true)
    expect(enqueue(q, 2, "self")).toEqual([{ message: user(1), how: "replaced" }])
  })
})

describe("broadcast queue: capacity", () => {
  it("beyond the cap the most-sent are dropped first, oldest first among them", () => {
    const q = makeBroadcastQueue(3)
    enqueue(q, 1)
    enqueue(q, 2)
    take(q) // 1 and 2 at one transmit
    enqueue(q, 3)
    enqueue(q, 4) // over: drop the oldest of the most-sent, 1
    expect(queueLength(q)).toBe(3)
    expect(take(q).ids).toEqual([4, 3, 2])
    enqueue(q, 5) // 3, 4 at 1, 2 at 2 → drop 2
    expect(take(q).ids).toEqual([5, 4, 3])
  })

  it("never holds more than its capacity", () => {
    const q = makeBroadcastQueue(5)
    for (let i = 0; i < 50; i++) {
      enqueue(q, i % 250, i % 3 === 0 ? `k${i % 7}` : undefined)
      if (i % 4 === 0) take(q, { maxCount: 2 })
      expect(queueLength(q)).toBeLessThanOrEqual(5)
    }
  })

  it("never drops a waited-on message (our leave) for capacity: the newer one goes instead", () => {
    const q = makeBroadcastQueue(1)
    enqueue(q, 1, "self", true)
    take(q)
    expect(enqueue(q, 2)).toEqual([])
    expect(queueLength(q)).toBe(1)
    expect(take(q).ids).toEqual([1])
  })
})

describe("broadcast queue: packet budget", () => {
  it("takes messages while size + overhead fits the budget, skipping ones too big for what is left", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1, undefined, false, 10)
    enqueue(q, 2, undefined, false, 50)
    enqueue(q, 3, undefined, false, 30)
    // budget 50: 3 (30 + 2) fits, 2 (52) does not, 1 (12) fits
    const { ids, used } = take(q, { budget: 50 })
    expect(ids).toEqual([3, 1])
    expect(used).toBe(44)
    expect(used).toBeLessThanOrEqual(50)
  })

  it("takes at most maxCount messages", () => {
    const q = makeBroadcastQueue(100)
    for (let i = 1; i <= 10; i++) enqueue(q, i)
    expect(take(q, { maxCount: 4 }).ids.length).toBe(4)
  })

  it("a message that was not taken keeps its transmit count", () => {
    const q = makeBroadcastQueue(100)
    enqueue(q, 1, undefined, false, 100)
    for (let i = 0; i < 5; i++) expect(take(q, { budget: 50, limit: 2 }).ids).toEqual([])
    expect(take(q, { limit: 2 }).ids).toEqual([1])
    expect(take(q, { limit: 2 }).ids).toEqual([1])
    expect(queueLength(q)).toBe(0)
  })
})
