/**
 * The one place where the core's telemetry facts become histograms and
 * spans, and where push/pull exchanges get theirs.
 *
 * Spans cost something even when nobody collects them: Effect's default
 * tracer makes a span object with random ids for every `withSpan`. So this
 * member makes probe and push/pull spans only when an application installed
 * a tracer of its own (and tracing is enabled) at the time the member
 * started; otherwise the span helpers hand their effect back untouched.
 * Histograms are always updated: an update is a bucket increment.
 *
 * Span attributes: `member` (this member), `peer` (the other side),
 * `outcome` (a probe's: acked, failed, or interrupted when the member
 * stopped first); probes also `peer.address`, `seq_no`, `indirect`.
 *
 * @internal
 */
import { type Clock, Context, Data, DefaultServices, Effect, Exit, type Fiber, FiberId, FiberRef, Option, Tracer } from "effect"
import type { Address } from "../../Transport.js"
import { formatAddress } from "../swim/messages.js"
import type { Observation } from "../swim/observation.js"
import type { MemberMetrics } from "./memberMetrics.js"
import * as metrics from "./metrics.js"

/** A probe that got no ack by the end of its period (the status of its span). */
export class ProbeUnanswered extends Data.TaggedError("ProbeUnanswered")<{ readonly peer: string }> {
  override get message() {
    return `no ack from ${this.peer}`
  }
}

/** Effect's own tracer: spans it makes go nowhere. */
const defaultTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * The tracer an application installed, if any and if tracing is on; undefined for Effect's default.
 * Read from the fiber in one step (it runs once per member start).
 */
export const installedTracer: Effect.Effect<Tracer.Tracer | undefined> = Effect.withFiberRuntime((fiber) =>
  Effect.succeed(installedTracerOf(fiber))
)

/** `installedTracer`, read from `fiber` by a caller already running on it. */
export const installedTracerOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Tracer.Tracer | undefined => {
  const tracer = fiber.currentTracer
  return fiber.getFiberRef(FiberRef.currentTracerEnabled) && tracer !== defaultTracer ? tracer : undefined
}

/** A member's telemetry. */
export interface Telemetry {
  /** Whether spans are made. */
  readonly tracing: boolean
  /** Records a fact from the core (on the driver fiber, inside a step). */
  readonly observe: (observation: Observation) => void
  /** `exchange` in a `memberlist.push_pull` span when tracing; a join's is a child of the join's span. */
  readonly pushPull: <A, E, R>(exchange: Effect.Effect<A, E, R>, peer: Address, join: boolean) => Effect.Effect<A, E, R>
  /** The span of the join running now, parent of its push/pulls (undefined when it ends). */
  readonly setJoinSpan: (span: Tracer.AnySpan | undefined) => void
  /** Ends a probe span left open (the member is stopping). */
  readonly close: () => void
}

/** Telemetry of `member`; spans go to `tracer` when there is one. */
export const make = (options: {
  readonly metrics: MemberMetrics
  readonly tracer: Tracer.Tracer | undefined
  readonly clock: Clock.Clock
}): Telemetry => {
  const { clock, tracer } = options
  const member = options.metrics
  const name = member.name
  let probe: { readonly seqNo: number; readonly span: Tracer.Span } | undefined
  let joinSpan: Tracer.AnySpan | undefined

  const endProbe = (exit: Exit.Exit<unknown, unknown>): void => {
    if (probe === undefined) return
    probe.span.end(clock.unsafeCurrentTimeNanos(), exit)
    probe = undefined
  }
  /** A probe the core will not end: the member stopped, or left and started probing again. */
  const interruptProbe = (): void => {
    probe?.span.attribute("outcome", "interrupted")
    endProbe(Exit.interrupt(FiberId.none))
  }

  const startProbe = (o: Extract<Observation, { _tag: "ProbeStarted" }>, tracer: Tracer.Tracer): void => {
    // One probe is in flight at a time; one still open here was never ended by the core (a leave cut it short).
    interruptProbe()
    const span = tracer.span("memberlist.probe", Option.none(), Context.empty(), [], clock.unsafeCurrentTimeNanos(), "internal", {
      root: true
    })
    span.attribute("member", name)
    span.attribute("peer", o.target)
    span.attribute("peer.address", formatAddress(o.address))
    span.attribute("seq_no", o.seqNo)
    probe = { seqNo: o.seqNo, span }
  }

  const observe = (o: Observation): void => {
    switch (o._tag) {
      case "ProbeStarted":
        if (tracer !== undefined) startProbe(o, tracer)
        return
      case "ProbeEnded": {
        if (o.acked) member.observe(metrics.probeRtt, o.elapsed)
        if (probe === undefined || probe.seqNo !== o.seqNo) return
        probe.span.attribute("outcome", o.acked ? "acked" : "failed")
        probe.span.attribute("indirect", o.indirect)
        endProbe(o.acked ? Exit.void : Exit.fail(new ProbeUnanswered({ peer: o.target })))
        return
      }
      case "SuspectDied":
        return member.observe(metrics.suspicionToDeath, o.suspectedFor)
      case "JoinMerged":
        return member.observe(metrics.joinDuration, o.elapsed)
    }
  }

  const pushPull = <A, E, R>(exchange: Effect.Effect<A, E, R>, peer: Address, join: boolean): Effect.Effect<A, E, R> => {
    if (tracer === undefined) return exchange
    const parent = join ? joinSpan : undefined
    return exchange.pipe(
      Effect.onExit((exit) => Effect.annotateCurrentSpan("outcome", Exit.isSuccess(exit) ? "ok" : "failed")),
      Effect.withSpan("memberlist.push_pull", {
        attributes: { member: name, peer: formatAddress(peer), join },
        ...(parent === undefined ? { root: true } : { parent }),
        kind: "client",
        // The call site is always this line: a stack trace would say nothing.
        captureStackTrace: false
      })
    ) as Effect.Effect<A, E, R>
  }

  return {
    tracing: tracer !== undefined,
    observe,
    pushPull,
    setJoinSpan: (span) => {
      joinSpan = span
    },
    close: interruptProbe
  }
}
