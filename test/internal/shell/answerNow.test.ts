/**
 * Accepted streams served in the transport's callbacks (inbound.ts,
 * `answerNow`): on the Node transport, with Effect's own clock and no
 * localState hook, a member serves a stream with no fiber. What a fiber gave
 * for free must still hold: the frame's timeout closes a stream that never
 * completes one, the per-host limit evicts the oldest stream and counts it,
 * and closing the member's scope closes the streams it was serving.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Metric, Schema, Scope } from "effect"
import * as Net from "node:net"
import * as Discovery from "../../../src/Discovery.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"

/** A member in `scope` on a Node transport in `transportScope` (which may outlive it, as with layers). */
const startMember = (scope: Scope.Scope, name: string, tcpTimeout: Duration.Duration, transportScope = scope) =>
  Effect.gen(function*() {
    const transport = yield* Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), transportScope)
    const member = yield* Scope.extend(Memberlist.make({ messages: Schema.String, leaveOnClose: false }), scope).pipe(
      Effect.provideService(Transport.Transport, transport),
      Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
      Effect.provideService(SwimConfig.SwimConfig, SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0, tcpTimeout }))
    )
    return { member, address: transport.boundAddress }
  })

/** A raw TCP client; `closed` resolves when the member ends the stream (end or close, whichever first). */
const dial = (address: Transport.Address) =>
  Effect.async<{ readonly socket: Net.Socket; readonly closed: Promise<void> }>((resume) => {
    const socket = Net.connect({ host: address.host, port: address.port })
    const closed = new Promise<void>((done) => {
      socket.once("end", () => done())
      socket.once("close", () => done())
    })
    socket.on("error", () => {})
    socket.once("connect", () => resume(Effect.succeed({ socket, closed })))
  })

/** Waits for `closed` at most `millis`: true if it came. */
const closedWithin = (closed: Promise<void>, millis: number) =>
  Effect.promise(() =>
    Promise.race([closed.then(() => true), new Promise<boolean>((done) => setTimeout(() => done(false), millis))])
  )

const evictedCount = (name: string) =>
  Metric.value(Metric.tagged(Memberlist.metrics.inboundStreamsEvicted, "member", name)).pipe(Effect.map((s) => s.count))

describe("accepted streams served in callbacks", () => {
  it.live("a stream that never completes a frame is closed by the frame's timeout", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { address } = yield* startMember(scope, "timeout", Duration.millis(200))
      const { closed, socket } = yield* dial(address)
      // The start of a push/pull frame (type byte 6, then a msgpack map header), and nothing more.
      socket.write(new Uint8Array([6, 0x85]))
      expect(yield* closedWithin(closed, 10_000)).toBe(true)
      socket.destroy()
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("closing the member's scope closes the streams it serves, while its transport stays open", () =>
    Effect.gen(function*() {
      const transportScope = yield* Scope.make()
      const scope = yield* Scope.make()
      // A timeout far longer than the wait below: only the member's scope can close these streams in time.
      const { address } = yield* startMember(scope, "closing", Duration.minutes(5), transportScope)
      const clients = [yield* dial(address), yield* dial(address)]
      clients[0]!.socket.write(new Uint8Array([6]))
      yield* Effect.sleep(Duration.millis(50))
      yield* Scope.close(scope, Exit.void)
      for (const client of clients) {
        expect(yield* closedWithin(client.closed, 10_000)).toBe(true)
        client.socket.destroy()
      }
      yield* Scope.close(transportScope, Exit.void)
    }))

  it.live("the 65th stream from one host evicts the oldest, which is closed and counted", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const name = "evicting"
      const { address } = yield* startMember(scope, name, Duration.minutes(5))
      const before = yield* evictedCount(name)
      const clients = []
      for (let i = 0; i < 65; i++) clients.push(yield* dial(address))
      expect(yield* closedWithin(clients[0]!.closed, 10_000)).toBe(true)
      expect((yield* evictedCount(name)) - before).toBe(1)
      // The newest streams are still served.
      expect(yield* closedWithin(clients[64]!.closed, 100)).toBe(false)
      for (const client of clients) client.socket.destroy()
      yield* Scope.close(scope, Exit.void)
    }))
})
