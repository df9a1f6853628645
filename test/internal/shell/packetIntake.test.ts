/**
 * Where packets come in (packetIntake.ts): through the transport's fast path
 * without waiting, through its stream otherwise, in order either way. A
 * drop's debug log line is forked only when debug lines are logged at all.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FiberSet, Queue, Stream, TestClock } from "effect"
import type { Address, Packet, TransportShape } from "../../../src/Transport.js"
import * as FastPath from "../../../src/internal/transport/fastPath.js"
import { receivePackets } from "../../../src/internal/shell/packetIntake.js"
import type { Command } from "../../../src/internal/shell/nodeRuntime.js"

const from: Address = { host: "127.0.0.1", port: 1 }
const packet = (n: number): Packet => ({ from, bytes: new Uint8Array([n]) })

/** A transport whose packets come from `queue`, with a fast path when `withFastPath`. */
const fakeTransport = (queue: Queue.Queue<Packet>, withFastPath: boolean) => {
  const receivers: Array<(packet: Packet) => boolean> = []
  const shape: TransportShape = {
    boundAddress: { host: "127.0.0.1", port: 2 },
    packets: Stream.fromQueue(queue),
    sendPacket: () => Effect.void,
    connections: Stream.never,
    connect: () => Effect.die("not used")
  }
  const transport = withFastPath
    ? FastPath.attach(shape, {
      receive: (receive) => {
        receivers.push(receive)
        return () => receivers.splice(receivers.indexOf(receive), 1)
      },
      accept: () => () => {},
      send: (_to, _bytes, done) => done(undefined)
    })
    : shape
  return { transport, receivers }
}

/** Turns packet n into a command recording n, or (n = 0) a drop to log. */
const recorder = () => {
  const seen: Array<number> = []
  const admit = (_from: Address, bytes: Uint8Array): Command | { readonly log: ReadonlyArray<string> } =>
    bytes[0] === 0 ? { log: ["dropped"] } : () => {
      seen.push(bytes[0]!)
    }
  return { seen, admit }
}

/** Runs a command that records, needing no driver. */
const run = (command: Command) => command(undefined as never)

describe("receivePackets", () => {
  it.effect("takes the fast path: each packet runs at once; a refusal is reported to the transport; released through onStop", () =>
    Effect.gen(function*() {
      const queue = yield* Queue.bounded<Packet>(4)
      const { receivers, transport } = fakeTransport(queue, true)
      const { admit, seen } = recorder()
      let room = 2
      const forked: Array<Effect.Effect<void>> = []
      const stops: Array<() => void> = []
      receivePackets({
        transport,
        admit,
        submitNow: (command) => {
          if (room === 0) return false
          room--
          ;run(command)
          return true
        },
        submit: () => Effect.die("the fast path does not wait"),
        fork: (effect) => forked.push(effect),
        debugLogged: true,
        onStop: (release) => stops.push(release)
      })
      // Registered at once: no fiber is forked to hold the callback, and its release goes to the member.
      expect(receivers.length).toBe(1)
      expect(forked.length).toBe(0)
      expect(stops.length).toBe(1)
      const taken = [1, 2, 0, 3].map((n) => receivers[0]!(packet(n)))
      expect(taken).toEqual([true, true, true, false])
      expect(seen).toEqual([1, 2])
      // Only the drop's log line went to the background.
      expect(forked.length).toBe(1)

      stops[0]!()
      expect(receivers.length).toBe(0)
    }))

  it.scoped("at the default log level a drop is counted by admit and forks nothing: no fiber per bad packet", () =>
    Effect.gen(function*() {
      const queue = yield* Queue.bounded<Packet>(4)
      const { receivers, transport } = fakeTransport(queue, true)
      const { admit, seen } = recorder()
      const forked: Array<Effect.Effect<void>> = []
      receivePackets({
        transport,
        admit,
        submitNow: (command) => {
          run(command)
          return true
        },
        submit: () => Effect.die("the fast path does not wait"),
        fork: (effect) => forked.push(effect),
        debugLogged: false,
        onStop: () => {}
      })
      const taken = [0, 0, 1, 0].map((n) => receivers[0]!(packet(n)))
      expect(taken).toEqual([true, true, true, true])
      expect(seen).toEqual([1])
      expect(forked.length).toBe(0)
    }))

  it.scoped("without a fast path, reads the stream in order from a forked fiber and logs a drop in the background", () =>
    Effect.gen(function*() {
      const queue = yield* Queue.bounded<Packet>(4)
      const { transport } = fakeTransport(queue, false)
      const { admit, seen } = recorder()
      const runFork = yield* FiberSet.makeRuntime<never, void, never>()
      const forked: Array<Effect.Effect<void>> = []
      receivePackets({
        transport,
        admit,
        submitNow: () => false,
        submit: (command) => Effect.sync(() => run(command)),
        fork: (effect) => {
          forked.push(effect)
          return runFork(effect)
        },
        debugLogged: true,
        onStop: () => {}
      })
      expect(forked.length).toBe(1)
      yield* Queue.offerAll(queue, [packet(3), packet(0), packet(1)])
      yield* TestClock.adjust(0)
      expect(seen).toEqual([3, 1])
      // The reader, then the drop's log line: one reading of an outcome for both paths.
      expect(forked.length).toBe(2)
    }))
})
