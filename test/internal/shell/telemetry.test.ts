/**
 * The shell's telemetry: metrics labelled per member (gauges of two members
 * never mix), histograms from the core's facts, and spans made only when an
 * application installed a tracer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, DefaultServices, Duration, Effect, Metric, Tracer } from "effect"
import * as Memberlist from "../../../src/Memberlist.js"
import { MemberMetrics } from "../../../src/internal/shell/memberMetrics.js"
import * as Telemetry from "../../../src/internal/shell/telemetry.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

const defaultTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/** A tracer that keeps every span it makes (Effect's own span objects, which record attributes and status). */
const recordingTracer = () => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = defaultTracer.span(name, parent, context, links, startTime, kind, options)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { tracer, spans }
}

const of = (member: string) => <T, I, O>(metric: Metric.Metric<T, I, O>) => Metric.value(Metric.tagged(metric, "member", member))

const address = { host: "127.0.0.1", port: 7946 }

describe("telemetry", () => {
  it.effect("installedTracer: none for Effect's default, the application's when installed, none when tracing is off", () =>
    Effect.gen(function*() {
      expect(yield* Telemetry.installedTracer).toBeUndefined()
      const { tracer } = recordingTracer()
      expect(yield* Effect.withTracer(Telemetry.installedTracer, tracer)).toBe(tracer)
      expect(yield* Telemetry.installedTracer.pipe(Effect.withTracer(tracer), Effect.withTracerEnabled(false))).toBeUndefined()
    }))

  it.effect("without a tracer: exchanges handed back untouched, no spans; histograms still recorded under the member", () =>
    Effect.gen(function*() {
      const telemetry = Telemetry.make({ metrics: new MemberMetrics("quiet"), tracer: undefined, clock: yield* Effect.clock })
      expect(telemetry.tracing).toBe(false)
      const exchange = Effect.succeed(1)
      expect(telemetry.pushPull(exchange, address, true)).toBe(exchange)
      telemetry.observe({ _tag: "ProbeStarted", seqNo: 1, target: "t", address })
      telemetry.observe({ _tag: "ProbeEnded", seqNo: 1, target: "t", acked: true, elapsed: 12, indirect: false })
      telemetry.observe({ _tag: "ProbeStarted", seqNo: 2, target: "t", address })
      telemetry.observe({ _tag: "ProbeEnded", seqNo: 2, target: "t", acked: false, elapsed: 1000, indirect: true })
      telemetry.observe({ _tag: "SuspectDied", node: "t", suspectedFor: 4500 })
      telemetry.observe({ _tag: "JoinMerged", elapsed: 30 })
      const quiet = of("quiet")
      const rtt = yield* quiet(Memberlist.metrics.probeRtt)
      // the failed probe is no round trip
      expect([rtt.count, rtt.sum]).toEqual([1, 12])
      // buckets are cumulative: 12 ms falls in (10, 20]
      expect(rtt.buckets.filter(([bound]) => bound === 10 || bound === 20)).toEqual([[10, 0], [20, 1]])
      const death = yield* quiet(Memberlist.metrics.suspicionToDeath)
      expect([death.count, death.sum]).toEqual([1, 4500])
      const join = yield* quiet(Memberlist.metrics.joinDuration)
      expect([join.count, join.sum]).toEqual([1, 30])
    }))

  it.effect("with a tracer: a probe's span runs from its start to its end; a failed one is in error; one left open is interrupted", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const telemetry = Telemetry.make({ metrics: new MemberMetrics("loud"), tracer, clock: yield* Effect.clock })
      telemetry.observe({ _tag: "ProbeStarted", seqNo: 1, target: "x", address })
      expect(spans.map((s) => [s.name, s.status._tag])).toEqual([["memberlist.probe", "Started"]])
      // an end for another probe ends nothing
      telemetry.observe({ _tag: "ProbeEnded", seqNo: 9, target: "x", acked: true, elapsed: 1, indirect: false })
      expect(spans[0]!.status._tag).toBe("Started")
      telemetry.observe({ _tag: "ProbeEnded", seqNo: 1, target: "x", acked: true, elapsed: 3, indirect: false })
      telemetry.observe({ _tag: "ProbeStarted", seqNo: 2, target: "y", address })
      telemetry.observe({ _tag: "ProbeEnded", seqNo: 2, target: "y", acked: false, elapsed: 1000, indirect: true })
      telemetry.observe({ _tag: "ProbeStarted", seqNo: 3, target: "z", address })
      telemetry.observe({ _tag: "ProbeStarted", seqNo: 4, target: "x", address })
      telemetry.close()
      const summary = spans.map((s) => ({
        peer: (s as Tracer.Span & { attributes: Map<string, unknown> }).attributes.get("peer"),
        outcome: (s as Tracer.Span & { attributes: Map<string, unknown> }).attributes.get("outcome"),
        exit: s.status._tag === "Ended" ? s.status.exit._tag : "open"
      }))
      expect(summary).toEqual([
        { peer: "x", outcome: "acked", exit: "Success" },
        { peer: "y", outcome: "failed", exit: "Failure" },
        { peer: "z", outcome: "interrupted", exit: "Failure" },
        { peer: "x", outcome: "interrupted", exit: "Failure" }
      ])
      const attributes = (spans[0] as Tracer.Span & { attributes: Map<string, unknown> }).attributes
      expect(Object.fromEntries(attributes)).toEqual({
        member: "loud",
        peer: "x",
        "peer.address": "127.0.0.1:7946",
        seq_no: 1,
        outcome: "acked",
        indirect: false
      })
      // A push/pull: one span around the exchange, with its outcome (made by the tracer of the fiber that
      // runs it: in a member, the one installed when it started).
      yield* telemetry.pushPull(Effect.void, address, false).pipe(Effect.withTracer(tracer))
      const pushPull = spans.at(-1) as Tracer.Span & { attributes: Map<string, unknown> }
      expect(pushPull.name).toBe("memberlist.push_pull")
      expect(Object.fromEntries(pushPull.attributes)).toEqual({ member: "loud", peer: "127.0.0.1:7946", join: false, outcome: "ok" })
    }))

  it.scoped("three members on virtual time: gauges per member do not mix; a death fills the survivors' histograms; probe spans name their peer", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const cluster = yield* VirtualCluster.make()
      const members = yield* cluster.startMany(3, { leaveOnClose: false }).pipe(Effect.withTracer(tracer))
      const [a, b, c] = members as [VirtualCluster.VirtualMember, VirtualCluster.VirtualMember, VirtualCluster.VirtualMember]
      const alive = (m: VirtualCluster.VirtualMember) => Effect.map(of(m.name)(Memberlist.metrics.aliveMembers), (g) => g.value)
      const gauges = Effect.all([alive(a), alive(b), alive(c)])
      yield* VirtualCluster.advanceUntil(Effect.map(gauges, (vs) => vs.every((v) => v === 3)), Duration.seconds(5), "every gauge says 3")

      // c stops without a word: a and b suspect it and declare it dead; c's gauge keeps its last value.
      yield* c.stop
      const deaths = (m: VirtualCluster.VirtualMember) => Effect.map(of(m.name)(Memberlist.metrics.deaths), (c) => c.count)
      yield* VirtualCluster.advanceUntil(
        Effect.map(Effect.all([deaths(a), deaths(b)]), ([da, db]) => da === 1 && db === 1),
        Duration.seconds(30),
        "a and b declare c dead"
      )
      expect(yield* gauges).toEqual([2, 2, 3])
      for (const m of [a, b]) {
        const death = yield* of(m.name)(Memberlist.metrics.suspicionToDeath)
        expect(death.count).toBe(1)
        // at most the longest suspicion timeout of the local preset with 3 members (6 x 3 s)
        expect(death.sum).toBeGreaterThan(0)
        expect(death.sum).toBeLessThanOrEqual(18_000)
        expect((yield* of(m.name)(Memberlist.metrics.deaths)).count).toBe(1)
        expect((yield* of(m.name)(Memberlist.metrics.probeRtt)).count).toBeGreaterThan(0)
      }
      expect((yield* of(c.name)(Memberlist.metrics.deaths)).count).toBe(0)

      const attributesOf = (s: Tracer.Span) => (s as Tracer.Span & { attributes: Map<string, unknown> }).attributes
      const failedProbesOfC = spans.filter((s) =>
        s.name === "memberlist.probe" && attributesOf(s).get("peer") === c.name && attributesOf(s).get("outcome") === "failed"
      )
      expect(failedProbesOfC.length).toBeGreaterThan(0)
      for (const s of failedProbesOfC) expect([a.name, b.name]).toContain(attributesOf(s).get("member"))
      const joins = spans.filter((s) => s.name === "Memberlist.join").map((s) => attributesOf(s).get("member"))
      expect(joins.sort()).toEqual([b.name, c.name])
    }))
})
