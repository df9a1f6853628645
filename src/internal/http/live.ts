/**
 * The live side of the cluster view: follows one member's events, samples
 * its traffic once per interval into a bounded history, keeps the recent
 * events, and pushes each change to the page's Server-Sent Events streams.
 *
 * Every page stream has its own bounded queue that drops its oldest frame
 * when full (counted in `memberlist_delivery_dropped{stream="http_view"}`):
 * each frame carries whole state, so a slow page only skips ahead.
 *
 * @internal
 */
import { Deferred, Duration, Effect, Metric, Stream } from "effect"
import type { Scope } from "effect"
import type { Memberlist } from "../../Memberlist.js"
import { formatAddress } from "../swim/messages.js"
import * as Delivery from "../shell/delivery.js"
import { MemberMetrics } from "../shell/memberMetrics.js"
import { type Readiness, readiness } from "./health.js"
import { type EventView, eventView, memberViews, type MemberView, type Sample, type ViewState } from "./model.js"
import { Ring } from "./ring.js"
import { makeSampler } from "./sampler.js"

/** How the view samples, keeps and judges. */
export interface LiveOptions {
  readonly sampleInterval: Duration.Duration
  readonly historySize: number
  readonly eventsSize: number
  readonly minMembers: number
  readonly notReadyWhileSuspected: boolean
}

/** What the routes read. */
export interface LiveView {
  readonly state: Effect.Effect<ViewState>
  readonly members: Effect.Effect<ReadonlyArray<MemberView>>
  readonly readiness: Effect.Effect<Readiness>
  /** A Server-Sent Events stream: a `snapshot` frame with the whole history, then `state`, `sample` and `event` frames. */
  readonly stream: Stream.Stream<Uint8Array>
}

/** Frames waiting for one page before its oldest is dropped. */
const streamCapacity = 64
/** Changes are pushed at most this often, so a burst of events costs one state frame. */
const coalesce = Duration.millis(200)

const encoder = new TextEncoder()
/** One SSE frame; JSON holds no raw line breaks, so one `data:` line carries it. */
const frame = (name: string, data: unknown): Uint8Array => encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)

/** Starts following `member` in the current scope. */
export const make = <A>(member: Memberlist<A>, options: LiveOptions): Effect.Effect<LiveView, never, Scope.Scope> =>
  Effect.gen(function*() {
    const self = yield* member.localMember
    const samples = new Ring<Sample>(options.historySize)
    const events = new Ring<EventView>(options.eventsSize)
    const pages = Delivery.make<Uint8Array>("http_view", { capacity: streamCapacity, strategy: "sliding" }, new MemberMetrics(self.name))
    let status: string = self.state === "alive" ? "alive" : self.state
    let refutedAt: number | undefined
    let changed = false
    // Closing the view ends every page stream, so the HTTP server can close its connections.
    const closed = yield* Deferred.make<void>()
    yield* Effect.addFinalizer(() => Deferred.succeed(closed, undefined))

    const readinessNow = Effect.gen(function*() {
      const all = yield* member.allMembers
      const suspicions = yield* member.suspicions
      const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      return readiness({
        status,
        alive: all.filter((m) => m.state === "alive").length,
        minMembers: options.minMembers,
        notReadyWhileSuspected: options.notReadyWhileSuspected,
        refutedAt,
        maxSuspicionTimeout: Duration.toMillis(suspicions.maxTimeout),
        now
      })
    })

    const state: Effect.Effect<ViewState> = Effect.gen(function*() {
      const all = yield* member.allMembers
      const suspicions = yield* member.suspicions
      const health = yield* member.healthScore
      const ready = yield* readinessNow
      const local = yield* member.localMember
      return {
        at: yield* Effect.clockWith((clock) => clock.currentTimeMillis),
        self: local.name,
        address: formatAddress(local.address),
        status,
        health,
        members: memberViews(all, local.name),
        suspicions: suspicions.held,
        maxSuspicionTimeoutMs: Duration.toMillis(suspicions.maxTimeout),
        refutedAt: refutedAt ?? null,
        ready: { ready: ready.ready, reason: ready.ready ? null : ready.reason }
      }
    })

    const subscription = yield* member.events
    yield* Effect.forkScoped(Stream.runForEach(subscription, (event) => {
      if (event._tag === "LocalStatusChanged") {
        status = event.status
        if (event.cause === "refuted") refutedAt = event.at
      }
      const view = eventView(event)
      events.push(view)
      changed = true
      return pages.publish(frame("event", view))
    }))

    const sample = makeSampler(self.name)
    const takeSample = Effect.gen(function*() {
      const at = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      const health = yield* member.healthScore
      const alive = (yield* member.members).filter((m) => m.state === "alive").length
      const next = sample(Metric.unsafeSnapshot(), at, { health, alive })
      samples.push(next)
      yield* pages.publish(frame("sample", next))
      yield* pages.publish(frame("state", yield* state))
    })
    yield* takeSample
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(options.sampleInterval), takeSample)))
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(
      Effect.sleep(coalesce),
      Effect.suspend(() => {
        if (!changed) return Effect.void
        changed = false
        return Effect.flatMap(state, (s) => pages.publish(frame("state", s)))
      })
    )))

    return {
      state,
      members: Effect.map(member.allMembers, (all) => memberViews(all, self.name)),
      readiness: readinessNow,
      // The stream owns its subscription: it ends when the page goes away, not when the handler returns.
      stream: Stream.unwrapScoped(Effect.gen(function*() {
        // Subscribed before the snapshot is read, so nothing falls between the two.
        const queue = yield* pages.subscribe
        const snapshot = frame("snapshot", {
          state: yield* state,
          samples: samples.toArray(),
          events: events.toArray(),
          sampleIntervalMs: Duration.toMillis(options.sampleInterval)
        })
        return Stream.concat(Stream.make(snapshot), Stream.fromQueue(queue))
      })).pipe(Stream.interruptWhenDeferred(closed))
    }
  })
