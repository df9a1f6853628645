/**
 * 100,000 messages at a subscriber that takes 1 s (virtual) for each, on the
 * default buffer (1024, dropping): memory stays bounded and every message is
 * accounted for, delivered or counted as dropped. Its own file, so its sizes
 * and bounds can be tuned alone.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Metric, Ref, Stream, TestClock } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import * as Memberlist from "../../../src/Memberlist.js"
import * as Transport from "../../../src/Transport.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

const total = 100_000
/** Below the memory network's packet queue (1024), so a batch fits it even if the reader has not started. */
const batch = 1_000
/** Virtual time between batches: 1,000 messages a second against a subscriber that takes 1 a second. */
const betweenBatches = Duration.seconds(1)
const slowWork = Duration.seconds(1)
/** The default messageBuffer capacity. */
const capacity = 1024
/**
 * Measured: about 1 MiB. Every message kept instead of dropped would take
 * some 15 MiB more (measured with the queue made unbounded), so the bound tells
 * the two apart with room on both sides.
 */
const heapBoundMiB = 8

setFlagsFromString("--expose-gc")
const gc: () => void = runInNewContext("gc")

/** The live heap after a full collection, in bytes. */
const liveHeap = Effect.sync(() => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
})

const messagesDropped = Metric.tagged(Memberlist.metrics.deliveryDropped, "stream", "messages")

describe("a 100,000-message flood at a slow subscriber", () => {
  it.scoped(`1 s per message on the default buffer (1024, dropping): the live heap grows by less than ${heapBoundMiB} MiB; delivered + dropped = ${total}`, () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const sender = yield* cluster.start({ name: "sender", address: VirtualCluster.addressOf(0) })
      const receiver = yield* cluster.start({ name: "receiver", address: VirtualCluster.addressOf(1), seeds: [sender.address] })
      yield* VirtualCluster.advanceUntil(
        VirtualCluster.allSeeAlive([sender, receiver], [sender.name, receiver.name]),
        Duration.seconds(3),
        "the two see each other"
      )

      // A warm-up through a fast subscriber first, so the heap measured below does not include
      // what the first messages cost once (compiled code, caches).
      yield* Effect.scoped(Effect.gen(function*() {
        const warmUp = yield* receiver.member.receive
        yield* Effect.forkScoped(Stream.runDrain(warmUp))
        for (let n = 0; n < 5 * batch; n++) {
          yield* sender.member.send(receiver.name, new VirtualCluster.Note({ n }))
          if (n % 100 === 99) yield* TestClock.adjust(Duration.millis(10))
        }
        yield* TestClock.adjust(Duration.millis(10))
      }))

      // Slow while the flood lasts; afterwards it takes the rest at once, so what its queue
      // holds can be counted without a thousand more virtual seconds.
      const slow = yield* Ref.make(true)
      const taken = yield* Ref.make(0)
      const stream = yield* receiver.member.receive
      yield* Effect.forkScoped(Stream.runForEach(stream, () =>
        Effect.zipRight(
          Ref.update(taken, (n) => n + 1),
          Effect.flatMap(Ref.get(slow), (isSlow) => (isSlow ? Effect.sleep(slowWork) : Effect.void))
        )))

      const droppedBefore = yield* VirtualCluster.counted(messagesDropped)
      const transportDroppedBefore = yield* VirtualCluster.counted(Transport.metrics.packetsDroppedQueueFull)
      // Beyond its source's rate (500 a second, bursts of 1,000), a packet is dropped before decoding.
      const rateLimitedBefore = yield* VirtualCluster.counted(Memberlist.metrics.packetsRateLimited)
      const lostBefore = (yield* cluster.network.stats).lost
      const heapBefore = yield* liveHeap
      const floodStart = yield* Clock.currentTimeMillis

      for (let first = 0; first < total; first += batch) {
        for (let n = first; n < first + batch; n++) yield* sender.member.send(receiver.name, new VirtualCluster.Note({ n }))
        yield* TestClock.adjust(betweenBatches)
      }
      const heapAfter = yield* liveHeap
      const floodSeconds = ((yield* Clock.currentTimeMillis) - floodStart) / 1000

      yield* Ref.set(slow, false)
      yield* TestClock.adjust(Duration.times(slowWork, 2))
      const delivered = yield* Ref.get(taken)
      const dropped = (yield* VirtualCluster.counted(messagesDropped)) - droppedBefore
      const droppedByTransport = (yield* VirtualCluster.counted(Transport.metrics.packetsDroppedQueueFull)) - transportDroppedBefore
      const rateLimited = (yield* VirtualCluster.counted(Memberlist.metrics.packetsRateLimited)) - rateLimitedBefore
      const lost = (yield* cluster.network.stats).lost - lostBefore
      const growthMiB = (heapAfter - heapBefore) / 2 ** 20
      // FLOOD_REPORT=1 prints the figures, for tuning the sizes and the bound.
      if (process.env.FLOOD_REPORT !== undefined) {
        console.log({ delivered, dropped, droppedByTransport, rateLimited, lost, growthMiB, floodSeconds })
      }

      expect(growthMiB).toBeLessThan(heapBoundMiB)
      expect(delivered + dropped + droppedByTransport + rateLimited + lost).toBe(total)
      // What it worked through during the flood (one a second), its queue, and one chunk: the
      // stream hands a subscriber everything queued at once, so it may hold a queueful in hand.
      expect(delivered).toBeLessThanOrEqual(floodSeconds + 2 * capacity)
    }), { timeout: 300_000 })
})
