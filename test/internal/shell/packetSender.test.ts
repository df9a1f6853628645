/**
 * Where packets leave (packetSender.ts): with a fast path, straight to the
 * socket from the step that offers them while nothing waits before them;
 * behind the outbox, in order, otherwise; a failed ping reported to the core
 * through a command, never within the step.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Stream } from "effect"
import type { Address, TransportShape } from "../../../src/Transport.js"
import * as FastPath from "../../../src/internal/transport/fastPath.js"
import * as Errors from "../../../src/internal/transport/error.js"
import { Mailbox } from "../../../src/internal/shell/mailbox.js"
import { MemberMetrics } from "../../../src/internal/shell/memberMetrics.js"
import * as metrics from "../../../src/internal/shell/metrics.js"
import type { Command, Outgoing } from "../../../src/internal/shell/nodeRuntime.js"
import * as PacketSender from "../../../src/internal/shell/packetSender.js"

const to: Address = { host: "127.0.0.1", port: 9 }
const packet = (n: number, ping?: number): Outgoing => ({ to, bytes: new Uint8Array([n]), ping })
const sentCount = (member: string) =>
  Effect.map(Metric.value(Metric.tagged(metrics.packetsOut, "member", member)), (state) => state.count)

/** A transport recording what leaves through either API; fast-path confirmations wait in `pending` when `withFastPath`. */
const recordingTransport = (withFastPath: boolean) => {
  const viaFast: Array<number> = []
  const viaEffect: Array<number> = []
  const pending: Array<() => void> = []
  let fail = false
  const shape: TransportShape = {
    boundAddress: { host: "127.0.0.1", port: 2 },
    packets: Stream.never,
    sendPacket: (_to, bytes) => Effect.sync(() => void viaEffect.push(bytes[0]!)),
    connections: Stream.never,
    connect: () => Effect.die("not used")
  }
  const transport = withFastPath
    ? FastPath.attach(shape, {
      receive: () => () => {},
      accept: () => () => {},
      send: (destination, bytes, done) => {
        viaFast.push(bytes[0]!)
        const error = fail ? Errors.sendFailed(destination, "refused") : undefined
        pending.push(() => done(error))
      }
    })
    : shape
  return { transport, viaFast, viaEffect, pending, failNext: () => (fail = true) }
}

/** A sender whose background effects are recorded and run only when `runForked` says so. */
const senderOver = (transport: TransportShape, member: string) => {
  const submitted: Array<Command> = []
  const forked: Array<Effect.Effect<void>> = []
  const outbox = new Mailbox<Outgoing>(8)
  const sender = PacketSender.make({
    transport,
    outbox,
    metrics: new MemberMetrics(member),
    submit: (command) => Effect.sync(() => void submitted.push(command)),
    fork: (effect) => forked.push(effect)
  })
  /** Runs what was forked so far, in order, and forgets it. */
  const runForked = Effect.suspend(() => Effect.forEach(forked.splice(0), (effect) => effect, { discard: true }))
  return { sender, outbox, submitted, forked, runForked }
}

describe("PacketSender", () => {
  it.scoped("with a fast path and nothing waiting, a packet leaves inside the offer; it is counted when the kernel confirms", () =>
    Effect.gen(function*() {
      const t = recordingTransport(true)
      const { outbox, sender } = senderOver(t.transport, "sender-direct")
      expect(sender.unsafeOffer(packet(1))).toBe(true)
      expect(sender.unsafeOffer(packet(2))).toBe(true)
      expect(t.viaFast).toEqual([1, 2])
      expect(outbox.size).toBe(0)
      expect(yield* sentCount("sender-direct")).toBe(0)
      for (const confirm of t.pending.splice(0)) confirm()
      expect(yield* sentCount("sender-direct")).toBe(2)
      expect(t.viaEffect).toEqual([])
    }))

  it.scoped("past maxSendsInFlight unconfirmed, packets queue, and later ones stay behind them until one forked drain sends them in order", () =>
    Effect.gen(function*() {
      const t = recordingTransport(true)
      const { forked, outbox, runForked, sender } = senderOver(t.transport, "sender-queued")
      for (let i = 0; i < PacketSender.maxSendsInFlight; i++) expect(sender.unsafeOffer(packet(0))).toBe(true)
      expect(sender.unsafeOffer(packet(1))).toBe(true)
      // The kernel confirms everything: there is room again, but packet 1 waits, so 2 must not overtake it.
      for (const confirm of t.pending.splice(0)) confirm()
      expect(sender.unsafeOffer(packet(2))).toBe(true)
      expect(outbox.size).toBe(2)
      expect(t.viaFast.filter((n) => n > 0)).toEqual([])
      // One drain for both: the second packet found one forked already.
      expect(forked.length).toBe(1)

      yield* runForked
      expect(t.viaFast.filter((n) => n > 0)).toEqual([1, 2])
      expect(outbox.size).toBe(0)
      // Drained, and the drain ended: the next packet leaves at once again, forking nothing.
      expect(sender.unsafeOffer(packet(3))).toBe(true)
      expect(t.viaFast.filter((n) => n > 0)).toEqual([1, 2, 3])
      expect(forked.length).toBe(0)
    }))

  it.scoped("without a fast path, every packet goes through the outbox and the transport's Effect API, in order", () =>
    Effect.gen(function*() {
      const t = recordingTransport(false)
      const { outbox, runForked, sender } = senderOver(t.transport, "sender-effect")
      for (const n of [1, 2, 3]) expect(sender.unsafeOffer(packet(n))).toBe(true)
      expect(outbox.size).toBe(3)
      expect(t.viaEffect).toEqual([])
      yield* runForked
      expect(t.viaEffect).toEqual([1, 2, 3])
      expect(yield* sentCount("sender-effect")).toBe(3)
      // A packet offered after the drain ended forks a new one.
      expect(sender.unsafeOffer(packet(4))).toBe(true)
      yield* runForked
      expect(t.viaEffect).toEqual([1, 2, 3, 4])
    }))

  it.scoped("a full outbox refuses the packet (the caller counts the drop)", () =>
    Effect.gen(function*() {
      const t = recordingTransport(false)
      const { sender } = senderOver(t.transport, "sender-full")
      for (let i = 0; i < 8; i++) expect(sender.unsafeOffer(packet(i))).toBe(true)
      expect(sender.unsafeOffer(packet(8))).toBe(false)
    }))

  it.scoped("a refused ping is reported to the core by a background command, not within the offer", () =>
    Effect.gen(function*() {
      const t = recordingTransport(true)
      const { forked, sender, submitted } = senderOver(t.transport, "sender-failed")
      t.failNext()
      expect(sender.unsafeOffer(packet(1, 42))).toBe(true)
      expect(forked.length).toBe(0)
      for (const confirm of t.pending.splice(0)) confirm()
      expect(forked.length).toBe(1)
      expect(submitted.length).toBe(0)
      yield* forked[0]!
      expect(submitted.length).toBe(1)
      const seen: Array<unknown> = []
      submitted[0]!({ handle: (input: unknown) => void seen.push(input) } as never)
      expect(seen).toEqual([{ _tag: "SendFailed", seqNo: 42 }])
      expect(yield* sentCount("sender-failed")).toBe(0)
    }))
  it.scoped("a drain that dies does not stop the sender: the next packet forks a new drain, which sends it", () =>
    Effect.gen(function*() {
      const sentViaEffect: Array<number> = []
      let dieNext = true
      const transport: TransportShape = {
        boundAddress: { host: "127.0.0.1", port: 3 },
        packets: Stream.never,
        sendPacket: (_to, bytes) =>
          Effect.suspend(() => {
            if (dieNext) {
              dieNext = false
              return Effect.die("a defect in the transport")
            }
            sentViaEffect.push(bytes[0]!)
            return Effect.void
          }),
        connections: Stream.never,
        connect: () => Effect.die("not used")
      }
      const { forked, runForked, sender } = senderOver(transport, "sender-defect")
      expect(sender.unsafeOffer(packet(1))).toBe(true)
      expect(forked.length).toBe(1)
      const exit = yield* Effect.exit(runForked)
      expect(exit._tag).toBe("Failure")
      expect(sender.unsafeOffer(packet(2))).toBe(true)
      expect(forked.length).toBe(1)
      yield* runForked
      expect(sentViaEffect).toEqual([2])
    }))
})
