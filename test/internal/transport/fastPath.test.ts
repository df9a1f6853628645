/**
 * The Node transport's fast path (fastPath.ts): packets handed to a callback
 * instead of the queue, refusals counted as a full queue, the queue back once
 * the callback is released, and sends confirmed through a callback; what was
 * queued before the callback was set is handed to it; accepted streams the
 * same way.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Duration, Effect, Either, Metric, Stream } from "effect"
import * as Transport from "../../../src/Transport.js"
import * as FastPath from "../../../src/internal/transport/fastPath.js"
import type { TransportError } from "../../../src/internal/transport/error.js"

const local = { host: "127.0.0.1", port: 0 }
const droppedQueueFull = Metric.value(Transport.metrics.packetsDroppedQueueFull).pipe(Effect.map((s) => s.count))
const connectionsDropped = Metric.value(Transport.metrics.connectionsDropped).pipe(Effect.map((s) => s.count))

const fastPathOf = (transport: Transport.TransportShape): FastPath.FastPath => {
  const fast = FastPath.of(transport)
  if (fast === undefined) throw new Error("the Node transport has no fast path")
  return fast
}

/** Sends through the fast path and waits (at most 5 s) for its confirmation. */
const sendFast = (fast: FastPath.FastPath, to: Transport.Address, bytes: Uint8Array) =>
  Effect.gen(function*() {
    const confirmed = yield* Deferred.make<TransportError | undefined>()
    fast.send(to, bytes, (error) => Deferred.unsafeDone(confirmed, Effect.succeed(error)))
    return yield* Deferred.await(confirmed).pipe(Effect.timeoutFail({ duration: Duration.seconds(5), onTimeout: () => "no confirmation" }))
  })

describe("Node transport fast path", () => {
  it.live("hands packets to the receiver in arrival order, counts refusals as a full queue, gives the queue back on release", () =>
    Effect.scoped(Effect.gen(function*() {
      const a = yield* Transport.makeNode(local)
      const b = yield* Transport.makeNode(local)
      const received: Array<number> = []
      const three = yield* Deferred.make<void>()
      const release = fastPathOf(b).receive((packet) => {
        received.push(packet.bytes[0]!)
        if (received.length === 3) Deferred.unsafeDone(three, Effect.void)
        // The receiver has room for the first two only.
        return received.length <= 2
      })
      const before = yield* droppedQueueFull
      for (let i = 0; i < 3; i++) expect(yield* sendFast(fastPathOf(a), b.boundAddress, new Uint8Array([i]))).toBeUndefined()
      yield* Deferred.await(three).pipe(Effect.timeout(Duration.seconds(5)))
      expect(received).toEqual([0, 1, 2])
      expect((yield* droppedQueueFull) - before).toBe(1)

      release()
      yield* a.sendPacket(b.boundAddress, new Uint8Array([7]))
      const queued = yield* b.packets.pipe(Stream.take(1), Stream.runCollect, Effect.timeout(Duration.seconds(5)))
      expect(Chunk.toReadonlyArray(queued).map((p) => p.bytes[0])).toEqual([7])
      expect(received).toEqual([0, 1, 2])
    })))

  it.live("packets queued before the receiver was set are handed to it when it is set, in order", () =>
    Effect.scoped(Effect.gen(function*() {
      const a = yield* Transport.makeNode(local)
      const b = yield* Transport.makeNode(local)
      for (let i = 0; i < 3; i++) yield* a.sendPacket(b.boundAddress, new Uint8Array([i]))
      // The three are in b's queue once one can be read from there (loopback keeps their order).
      const first = yield* b.packets.pipe(Stream.take(1), Stream.runCollect, Effect.timeout(Duration.seconds(5)))
      expect(Chunk.toReadonlyArray(first).map((p) => p.bytes[0])).toEqual([0])
      yield* Effect.sleep(Duration.millis(50))
      const received: Array<number> = []
      fastPathOf(b).receive((packet) => {
        received.push(packet.bytes[0]!)
        return true
      })
      expect(received).toEqual([1, 2])
    })))

  it.live("hands accepted streams to the acceptor, queued ones first; a refusal is counted and closed; release gives the queue back", () =>
    Effect.scoped(Effect.gen(function*() {
      const a = yield* Transport.makeNode(local)
      const b = yield* Transport.makeNode(local)
      // One stream waits in the queue before the acceptor is set.
      const early = yield* a.connect(b.boundAddress, 5_000)
      yield* Effect.sleep(Duration.millis(50))
      const accepted: Array<Transport.Connection> = []
      let room = 2
      const release = fastPathOf(b).accept((connection) => {
        if (room === 0) return false
        room--
        accepted.push(connection)
        return true
      })
      expect(accepted.length).toBe(1)

      yield* a.connect(b.boundAddress, 5_000)
      const before = yield* connectionsDropped
      const refused = yield* a.connect(b.boundAddress, 5_000)
      // The refused stream is closed by b: a's read ends.
      const read = yield* refused.read.pipe(Effect.either, Effect.timeout(Duration.seconds(5)))
      expect(Either.isLeft(read) || read.right === undefined).toBe(true)
      expect(accepted.length).toBe(2)
      expect((yield* connectionsDropped) - before).toBe(1)

      // The stream handed over from the queue works: bytes written by a arrive.
      yield* early.write(new Uint8Array([42]))
      const got = yield* accepted[0]!.read.pipe(Effect.timeout(Duration.seconds(5)))
      expect(Array.from(got ?? [])).toEqual([42])

      release()
      yield* a.connect(b.boundAddress, 5_000)
      const queued = yield* b.connections.pipe(Stream.take(1), Stream.runCollect, Effect.timeout(Duration.seconds(5)))
      expect(Chunk.size(queued)).toBe(1)
      expect(accepted.length).toBe(2)
    })))

  it.live("taking the fast path of a closed transport hands over nothing and does not throw", () =>
    Effect.gen(function*() {
      const closed = yield* Effect.scoped(Transport.makeNode(local))
      const handed: Array<unknown> = []
      const releaseReceive = fastPathOf(closed).receive((packet) => handed.push(packet) > 0)
      const releaseAccept = fastPathOf(closed).accept((connection) => handed.push(connection) > 0)
      releaseReceive()
      releaseAccept()
      expect(handed).toEqual([])
    }))

  it.live("a fast send from a closed transport reports Closed through its callback", () =>
    Effect.gen(function*() {
      const b = yield* Effect.scoped(Transport.makeNode(local))
      const a = yield* Effect.scoped(Transport.makeNode(local))
      const error = yield* sendFast(fastPathOf(a), b.boundAddress, new Uint8Array([1]))
      expect(error?._tag).toBe("TransportError")
      expect(error?.reason).toBe("Closed")
    }))

  it.scoped("the memory transport has none: the shell uses its Effect API", () =>
    Effect.gen(function*() {
      const transport = yield* Transport.makeMemoryNetwork().make({ host: "10.0.0.1", port: 7946 })
      expect(FastPath.of(transport)).toBeUndefined()
    }))
})
