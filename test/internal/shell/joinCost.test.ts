/**
 * What one join() costs in fibers (docs/performance.md, "Start and join, own
 * CPU"), and the frame reader that makes it so. Every fiber Effect makes
 * takes the next number from one process-wide counter, so two probe fibers
 * taken around a join tell how many fibers the join made, on both sides
 * (the newcomer and the seed are in this process). On the Node transport
 * there are none: the newcomer dials, writes and reads in callbacks, the
 * connect and the frame reads are bounded by Node timers, not by Effect
 * timeouts racing two fibers each, and the seed serves the accepted stream
 * in the transport's callbacks and its driver's step. (On main: 8.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, DefaultServices, Effect, Either, Exit, Fiber, FiberId, Schema, Scope, Tracer } from "effect"
import * as Discovery from "../../../src/Discovery.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"
import type { Connection } from "../../../src/Transport.js"
import { readFrame } from "../../../src/internal/shell/streams.js"
import * as ChunkSource from "../../../src/internal/transport/chunkSource.js"
import { Inbox } from "../../../src/internal/transport/inbox.js"
import * as Stream from "../../../src/internal/wire/stream.js"
import { pushPullFrame as pushPullFrameOf } from "../../support/pushPullFrame.js"
import { countSteps } from "../../support/stepCount.js"

const defaultTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/** A tracer that keeps every span it makes (Effect's own span objects, which record attributes and status). */
const recordingTracer = () => {
  const spans: Array<Tracer.Span & { readonly attributes: Map<string, unknown> }> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = defaultTracer.span(name, parent, context, links, startTime, kind, options)
      spans.push(span as Tracer.Span & { readonly attributes: Map<string, unknown> })
      return span
    },
    context: (f) => f()
  })
  return { tracer, spans }
}

const nextFiberNumber = (): number => {
  const id = Effect.runSync(Effect.fiberId)
  if (!FiberId.isRuntime(id)) throw new Error("a running fiber has a runtime id")
  return id.id
}

const startMember = (scope: Scope.Scope, name: string) =>
  Effect.gen(function*() {
    const transport = yield* Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope)
    return yield* Scope.extend(Memberlist.make({ messages: Schema.String, leaveOnClose: false }), scope).pipe(
      Effect.provideService(Transport.Transport, transport),
      Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
      Effect.provideService(SwimConfig.SwimConfig, SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0 }))
    )
  })

/** A connection whose chunks come from an inbox, as the Node and memory transports make them. */
const inboxConnection = (inbox: Inbox): Connection =>
  ChunkSource.attach(
    { remote: { host: "127.0.0.1", port: 50_000 }, read: inbox.read, write: () => Effect.void, close: Effect.void },
    { poll: () => inbox.poll(), wait: (ready) => inbox.wait(ready), writeNow: () => {}, answerAndClose: () => {} }
  )

const pushPullFrame = () => pushPullFrameOf(50)

/** Starts the seed in `scope`: its address. */
const seedIn = (scope: Scope.Scope) => Effect.flatMap(startMember(scope, "seed"), (seed) => Effect.map(seed.localMember, (m) => m.address))
/** Nothing listens on port 1 of the loopback: a join through it fails at once. */
const unreachable = { host: "127.0.0.1", port: 1 }

describe("the cost of one join", () => {
  it.live("a join on the Node transport makes no fiber (both sides of the push/pull run in callbacks) and, with no tracer installed, takes under 30 interpreter steps (117 before session 11: a span that went nowhere, a Deferred, a mask)", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const seedAddress = yield* seedIn(scope)
      const made: Array<number> = []
      const steps: Array<number> = []
      for (const name of ["n1", "n2", "n3"]) {
        const newcomer = yield* startMember(scope, name)
        const before = nextFiberNumber()
        const joined = yield* countSteps(newcomer.join([seedAddress]))
        made.push(nextFiberNumber() - before - 1)
        steps.push(joined.steps)
        expect(joined.value).toBe(1)
        // The join merged the seed's view: the newcomer knows every member started before it.
        expect((yield* newcomer.members).length).toBe(made.length + 1)
      }
      expect(made).toEqual([0, 0, 0])
      for (const n of steps) expect(n).toBeLessThan(30)
      // The answer is the same: a seed that does not answer fails the join with JoinFailed.
      const lone = yield* startMember(scope, "lone")
      const failed = yield* Effect.either(lone.join([unreachable]))
      expect(Either.isLeft(failed) && failed.left._tag).toBe("JoinFailed")
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("a tracer installed where join() is called, not where the member started, still gets the join's span", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const seedAddress = yield* seedIn(scope)
      const newcomer = yield* startMember(scope, "traced")
      const { spans, tracer } = recordingTracer()
      expect(yield* newcomer.join([seedAddress]).pipe(Effect.withTracer(tracer))).toBe(1)
      yield* Effect.either(newcomer.join([unreachable]).pipe(Effect.withTracer(tracer)))
      const joins = spans.filter((s) => s.name === "Memberlist.join")
      expect(joins.map((s) => Object.fromEntries(s.attributes))).toMatchObject([
        { member: "traced", peer: `127.0.0.1:${seedAddress.port}`, contacted: 1, failed: 0, outcome: "ok" },
        { member: "traced", peer: "127.0.0.1:1", contacted: 0, failed: 1, outcome: "failed" }
      ])
      for (const s of joins) expect(s.status._tag).toBe("Ended")
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("a join() interrupted while it waits ends interrupted; the member joins afterwards, and answers JoinFailed once stopped", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const seedAddress = yield* seedIn(scope)
      const memberScope = yield* Scope.make()
      const newcomer = yield* startMember(memberScope, "newcomer")
      const waiting = yield* Effect.fork(newcomer.join([seedAddress]))
      const exit = yield* Fiber.interrupt(waiting)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* newcomer.join([seedAddress])).toBe(1)
      yield* Scope.close(memberScope, Exit.void)
      const afterStop = yield* Effect.either(newcomer.join([seedAddress]))
      expect(Either.isLeft(afterStop) && afterStop.left._tag).toBe("JoinFailed")
      yield* Scope.close(scope, Exit.void)
    }))
})

describe("readFrame from a connection's inbox (Effect's own clock)", () => {
  it.live("decodes a frame pushed in chunks after the read began, with no fiber", () =>
    Effect.gen(function*() {
      const inbox = new Inbox()
      const frame = pushPullFrame()
      const before = nextFiberNumber()
      setTimeout(() => {
        for (let at = 0; at < frame.length; at += 100) inbox.push(frame.subarray(at, at + 100))
      }, 5)
      const message = yield* readFrame(inboxConnection(inbox), {}, 1_000)
      expect(nextFiberNumber() - before - 1).toBe(0)
      expect(message._tag === "PushPull" && message.states.length).toBe(50)
    }))

  it.live("fails with Timeout when no whole frame arrives in time", () =>
    Effect.gen(function*() {
      const inbox = new Inbox()
      inbox.push(pushPullFrame().subarray(0, 10))
      const outcome = yield* Effect.either(readFrame(inboxConnection(inbox), {}, 30))
      expect(Either.isLeft(outcome) && outcome.left._tag === "TransportError" && outcome.left.reason).toBe("Timeout")
    }))

  it.live("fails with StreamFailed when the stream ends before a whole frame, and with the inbox's failure", () =>
    Effect.gen(function*() {
      const ended = new Inbox()
      ended.push(pushPullFrame().subarray(0, 10))
      ended.finish()
      const early = yield* Effect.either(readFrame(inboxConnection(ended), {}, 1_000))
      expect(Either.isLeft(early) && early.left._tag === "TransportError" && early.left.reason).toBe("StreamFailed")

      const broken = new Inbox()
      setTimeout(() => broken.fail(new Transport.TransportError({ reason: "Closed", message: "closed here" })), 5)
      const failed = yield* Effect.either(readFrame(inboxConnection(broken), {}, 1_000))
      expect(Either.isLeft(failed) && failed.left._tag === "TransportError" && failed.left.reason).toBe("Closed")
    }))

  it.live("an interrupted read stops waiting: a chunk that comes later is left in the inbox", () =>
    Effect.gen(function*() {
      const inbox = new Inbox()
      const outcome = yield* Effect.either(Effect.timeout(readFrame(inboxConnection(inbox), {}, 1_000), 10))
      expect(Either.isLeft(outcome)).toBe(true)
      const frame = pushPullFrame()
      inbox.push(frame)
      expect(inbox.poll()).toBe(frame)
    }))

  it.live("refuses a wrong label from the first chunk", () =>
    Effect.gen(function*() {
      const inbox = new Inbox()
      inbox.push(Stream.encodeStream({ _tag: "User", payload: new Uint8Array(300) }, { label: "theirs" }).subarray(0, 20))
      const outcome = yield* Effect.either(readFrame(inboxConnection(inbox), { label: "ours" }, 1_000))
      expect(Either.isLeft(outcome) && outcome.left._tag).toBe("DecodeError")
    }))
})
