/**
 * examples/opentelemetry.ts, run: three members under `NodeSdk.layer` with
 * in-memory exporters; one stops without leaving and is declared dead.
 * What must arrive: probe, push/pull and join spans with their attributes,
 * and metrics labelled by member, histograms included.
 */
import { describe, expect, it } from "@effect/vitest"
import type { DataPoint, Histogram, MetricData } from "@opentelemetry/sdk-metrics"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"
import { runObserved } from "../../examples/opentelemetry.js"
import * as Memberlist from "../../src/Memberlist.js"

const spansNamed = (spans: ReadonlyArray<ReadableSpan>, name: string) => spans.filter((s) => s.name === name)

const pointsOf = (metrics: ReadonlyArray<MetricData>, name: string): ReadonlyArray<DataPoint<unknown>> =>
  metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as ReadonlyArray<DataPoint<unknown>>)

const byMember = <T>(points: ReadonlyArray<DataPoint<unknown>>): Map<string, T> =>
  new Map(points.map((p) => [String(p.attributes.member), p.value as T]))

const OK = 1
const ERROR = 2

describe("examples/opentelemetry.ts", () => {
  it.live("spans for probes, push/pulls and joins, and metrics by member with histograms, reach the OpenTelemetry SDK", () =>
    Effect.gen(function*() {
      const { metrics, spans } = yield* runObserved
      const members = ["alice", "bob", "carol"]

      // Probes: every member's, each ended acked or failed, or cut short when its member stopped (one
      // per member at most); carol's silence fails probes of her, in error.
      const probes = spansNamed(spans, "memberlist.probe")
      expect(new Set(probes.map((s) => s.attributes.member))).toEqual(new Set(members))
      for (const probe of probes) {
        expect(members).toContain(probe.attributes.peer)
        expect(probe.attributes.peer).not.toBe(probe.attributes.member)
        expect(["acked", "failed", "interrupted"]).toContain(probe.attributes.outcome)
        expect(probe.status.code).toBe(probe.attributes.outcome === "failed" ? ERROR : OK)
      }
      expect(probes.filter((s) => s.attributes.outcome === "interrupted").length).toBeLessThanOrEqual(members.length)
      expect(probes.some((s) => s.attributes.outcome === "acked")).toBe(true)
      const failed = probes.filter((s) => s.attributes.outcome === "failed")
      expect(failed.length).toBeGreaterThan(0)
      // (a probe of a live member may fail too on a busy machine: the example's probe timeout is 100 ms)
      expect(failed.map((s) => s.attributes.peer)).toContain("carol")

      // Joins: bob's and carol's, through alice, each the parent of its push/pull.
      const joins = spansNamed(spans, "Memberlist.join")
      expect(joins.map((s) => s.attributes.member).sort()).toEqual(["bob", "carol"])
      const pushPulls = spansNamed(spans, "memberlist.push_pull")
      for (const join of joins) {
        expect(join.attributes).toMatchObject({ peer: "127.0.0.1:7001", outcome: "ok", contacted: 1, failed: 0 })
        const children = pushPulls.filter((p) => p.parentSpanContext?.spanId === join.spanContext().spanId)
        expect(children.map((p) => p.attributes)).toEqual([
          { member: join.attributes.member, peer: "127.0.0.1:7001", join: true, outcome: "ok" }
        ])
        expect(children[0]!.spanContext().traceId).toBe(join.spanContext().traceId)
      }

      // Counters and gauges: one series per member.
      const probeCounts = byMember<number>(pointsOf(metrics, "memberlist_probes"))
      for (const name of members) expect(probeCounts.get(name)).toBeGreaterThan(0)
      const alive = byMember<number>(pointsOf(metrics, "memberlist_members_alive"))
      expect(alive.get("alice")).toBe(2)
      expect(alive.get("bob")).toBe(2)
      const pushPullOutcomes = pointsOf(metrics, "memberlist_push_pulls").map((p) => p.attributes)
      expect(pushPullOutcomes).toContainEqual({ reason: "ok", member: "bob" })

      // Histograms, with the documented boundaries.
      const rtt = byMember<Histogram>(pointsOf(metrics, "memberlist_probe_rtt_ms"))
      for (const name of members) {
        const h = rtt.get(name)!
        expect(h.count).toBeGreaterThan(0)
        expect(h.buckets.boundaries).toEqual(Memberlist.histogramBoundaries.probeRtt)
      }
      const deaths = byMember<Histogram>(pointsOf(metrics, "memberlist_suspicion_to_death_ms"))
      expect([...deaths.keys()].sort()).toEqual(["alice", "bob"])
      for (const h of deaths.values()) {
        expect(h.count).toBe(1)
        expect(h.buckets.boundaries).toEqual(Memberlist.histogramBoundaries.suspicionToDeath)
      }
      const joined = byMember<Histogram>(pointsOf(metrics, "memberlist_join_duration_ms"))
      expect([...joined.keys()].sort()).toEqual(["bob", "carol"])
      for (const h of joined.values()) {
        expect(h.count).toBe(1)
        expect(h.buckets.boundaries).toEqual(Memberlist.histogramBoundaries.joinDuration)
      }
    }), 60_000)
})
