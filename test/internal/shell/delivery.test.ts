/**
 * Bounded delivery to subscribers, through a running member on virtual time:
 * a slow subscriber loses only its own messages, by its strategy, and every
 * loss is counted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Metric, Ref, Stream, TestClock } from "effect"
import * as Memberlist from "../../../src/Memberlist.js"
import * as Transport from "../../../src/Transport.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

const capacity = 16
const sent = 100
/** The slow subscriber's work per message, in virtual time. */
const slowWork = Duration.seconds(1)
/** Between two sends: enough for a message to reach every subscriber, far less than the slow one's work. */
const pace = Duration.millis(5)

const messagesDropped = Metric.tagged(Memberlist.metrics.deliveryDropped, "stream", "messages")

/** Collects the numbers of the notes a subscriber takes, spending `work` on each. */
const subscribe = (member: VirtualCluster.VirtualMember, work: Duration.Duration) =>
  Effect.gen(function*() {
    const got = yield* Ref.make<ReadonlyArray<number>>([])
    const stream = yield* member.member.receive
    yield* Effect.forkScoped(
      Stream.runForEach(stream, (received) =>
        Effect.zipRight(Ref.update(got, (all) => [...all, received.message.n]), Effect.sleep(work)))
    )
    return got
  })

/**
 * Two subscribers on one member, one slow and one fast; another member sends
 * `sent` notes by UDP, one per `pace`. Returns what each got once the slow
 * one has worked through its queue, and what the counters say was dropped.
 */
const flood = (strategy: "dropping" | "sliding") =>
  Effect.gen(function*() {
    const cluster = yield* VirtualCluster.make()
    const sender = yield* cluster.start({ name: "sender", address: VirtualCluster.addressOf(0) })
    const receiver = yield* cluster.start({
      name: "receiver",
      address: VirtualCluster.addressOf(1),
      seeds: [sender.address],
      messageBuffer: { capacity, strategy }
    })
    const slow = yield* subscribe(receiver, slowWork)
    const fast = yield* subscribe(receiver, Duration.zero)
    const droppedBefore = yield* VirtualCluster.counted(messagesDropped)
    const transportDroppedBefore = yield* VirtualCluster.counted(Transport.metrics.packetsDroppedQueueFull)
    const lostBefore = (yield* cluster.network.stats).lost

    for (let n = 0; n < sent; n++) {
      yield* sender.member.send(receiver.name, new VirtualCluster.Note({ n }))
      yield* TestClock.adjust(pace)
    }
    // The slow subscriber holds at most 1 + capacity notes: let it finish them.
    yield* TestClock.adjust(Duration.times(slowWork, capacity + 2))

    return {
      slow: yield* Ref.get(slow),
      fast: yield* Ref.get(fast),
      dropped: (yield* VirtualCluster.counted(messagesDropped)) - droppedBefore,
      droppedByTransport: (yield* VirtualCluster.counted(Transport.metrics.packetsDroppedQueueFull)) - transportDroppedBefore,
      lost: (yield* cluster.network.stats).lost - lostBefore
    }
  })

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

describe("bounded delivery under a slow subscriber", () => {
  it.scoped("dropping (capacity 16): the slow subscriber gets the first notes, at most 16 queued; the fast one gets all; drops counted exactly", () =>
    Effect.gen(function*() {
      const { dropped, droppedByTransport, fast, lost, slow } = yield* flood("dropping")
      // The first note was in the slow subscriber's hands when the rest arrived; its queue took 16 more.
      expect(slow).toEqual(range(0, 1 + capacity))
      expect(fast).toEqual(range(0, sent))
      expect(droppedByTransport).toBe(0)
      expect(lost).toBe(0)
      expect(dropped).toBe(sent - slow.length - droppedByTransport - lost)
    }))

  it.scoped("sliding (capacity 16): the slow subscriber gets the first note and the last 16; the fast one gets all; drops counted exactly", () =>
    Effect.gen(function*() {
      const { dropped, droppedByTransport, fast, lost, slow } = yield* flood("sliding")
      expect(slow).toEqual([0, ...range(sent - capacity, sent)])
      expect(fast).toEqual(range(0, sent))
      expect(droppedByTransport).toBe(0)
      expect(lost).toBe(0)
      expect(dropped).toBe(sent - slow.length - droppedByTransport - lost)
    }))
})
