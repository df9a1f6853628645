/**
 * Streams run in the transport's callbacks: on the Node transport, with
 * Effect's own clock and no localState hook, a member serves an accepted
 * stream (inbound.ts, `answerNow`) and runs its own push/pulls
 * (nodeRuntime.ts) with no fiber. What a fiber gave for free must still
 * hold: the frame's timeout closes a stream that never completes one, the
 * per-host limit evicts the oldest stream and counts it, a push/pull that
 * gets no answer fails in time, and closing the member's scope closes the
 * streams it was serving or running.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Metric, Schema, Scope } from "effect"
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

/** A TCP server that accepts and never answers; `closed` holds, per accepted socket, its close. */
const silentServer = Effect.acquireRelease(
  Effect.async<{ readonly server: Net.Server; readonly address: Transport.Address; readonly closed: Array<Promise<void>> }>((resume) => {
    const closed: Array<Promise<void>> = []
    const server = Net.createServer((socket) => {
      socket.on("error", () => {})
      // Read and drop what comes, so that the peer's end of stream is seen.
      socket.resume()
      closed.push(new Promise<void>((done) => socket.once("close", () => done())))
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      resume(Effect.succeed({ server, address: { host: "127.0.0.1", port }, closed }))
    })
  }),
  ({ server }) => Effect.sync(() => server.close())
)

describe("push/pulls run in callbacks", () => {
  it.scopedLive("a join whose seed accepts and never answers fails with JoinFailed", () =>
    Effect.gen(function*() {
      const silent = yield* silentServer
      const scope = yield* Scope.make()
      const { member } = yield* startMember(scope, "unanswered", Duration.millis(200))
      const outcome = yield* Effect.either(member.join([silent.address]))
      expect(outcome._tag === "Left" && outcome.left._tag).toBe("JoinFailed")
      yield* Scope.close(scope, Exit.void)
    }))

  it.scopedLive("closing the member's scope closes the push/pull it is running", () =>
    Effect.gen(function*() {
      const silent = yield* silentServer
      const transportScope = yield* Scope.make()
      const scope = yield* Scope.make()
      const { member } = yield* startMember(scope, "stopping", Duration.minutes(5), transportScope)
      const joining = yield* Effect.fork(member.join([silent.address]))
      for (let i = 0; i < 100 && silent.closed.length === 0; i++) yield* Effect.sleep(Duration.millis(10))
      expect(silent.closed.length).toBe(1)
      yield* Scope.close(scope, Exit.void)
      expect(yield* closedWithin(silent.closed[0]!, 10_000)).toBe(true)
      yield* Fiber.interrupt(joining)
      yield* Scope.close(transportScope, Exit.void)
    }))
})

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
