/**
 * A member's series (seriesHooks.ts, through MemberMetrics): what readers see
 * is what Effect's labelled updates made, and a new member's series are
 * created without building Effect keys the costly way.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, Option } from "effect"
import { maxTagged } from "../../src/internal/seriesHooks.js"
import { MemberMetrics } from "../../src/internal/shell/memberMetrics.js"
import * as metrics from "../../src/internal/shell/metrics.js"
import { memberFirstUpdates } from "../support/memberFirstUpdates.js"

const counterOf = (metric: Metric.Metric.Counter<number>, ...labels: ReadonlyArray<readonly [string, string]>) =>
  Metric.value(labels.reduce((m, [k, v]) => Metric.tagged(m, k, v), metric)).pipe(Effect.map((s) => s.count))

/** Where `Option.some(...)` gets `toString` (what Effect's key hash calls on a metric's description). */
const optionToStringOwner = (): { toString: () => string } => {
  let proto = Object.getPrototypeOf(Option.some("x"))
  while (!Object.prototype.hasOwnProperty.call(proto, "toString")) proto = Object.getPrototypeOf(proto)
  return proto
}

describe("a member's series", () => {
  it.effect("read with Metric.tagged as Effect's labelled updates would have written them", () =>
    Effect.gen(function*() {
      const name = "series-hooks-read"
      const member = new MemberMetrics(name)
      member.count(metrics.packetsOut)
      member.count(metrics.packetsOut, 2)
      member.countAs(metrics.pushPulls, "reason", "ok")
      member.countAs(metrics.pushPulls, "reason", "failed", 4)
      member.set(metrics.healthScore, 3)
      member.set(metrics.healthScore, 2)
      member.observe(metrics.probeRtt, 7)
      member.observe(metrics.probeRtt, 70)
      // A metric made outside metricKeys.ts: the same series, through Effect.
      const other = Metric.counter("series_hooks_other", { description: "made directly" })
      member.count(other, 5)
      member.countAs(other, "reason", "x")

      expect(yield* counterOf(metrics.packetsOut, ["member", name])).toBe(3)
      expect(yield* counterOf(metrics.pushPulls, ["reason", "ok"], ["member", name])).toBe(1)
      expect(yield* counterOf(metrics.pushPulls, ["reason", "failed"], ["member", name])).toBe(4)
      expect((yield* Metric.value(Metric.tagged(metrics.healthScore, "member", name))).value).toBe(2)
      const rtt = yield* Metric.value(Metric.tagged(metrics.probeRtt, "member", name))
      expect([rtt.count, rtt.sum, rtt.min, rtt.max]).toEqual([2, 77, 7, 70])
      expect(yield* counterOf(other, ["member", name])).toBe(5)
      expect(yield* counterOf(other, ["reason", "x"], ["member", name])).toBe(1)

      // One registry entry per series, with the labels in the order readers use.
      const mine = Metric.unsafeSnapshot().filter((p) => p.metricKey.tags.some((t) => t.value === name))
      expect(mine.map((p) => `${p.metricKey.name}{${p.metricKey.tags.map((t) => `${t.key}=${t.value}`)}}`).sort())
        .toEqual([
          "memberlist_health_score{member=series-hooks-read}",
          "memberlist_packets_out{member=series-hooks-read}",
          "memberlist_probe_rtt_ms{member=series-hooks-read}",
          "memberlist_push_pulls{reason=failed,member=series-hooks-read}",
          "memberlist_push_pulls{reason=ok,member=series-hooks-read}",
          "series_hooks_other{member=series-hooks-read}",
          "series_hooks_other{reason=x,member=series-hooks-read}"
        ])
    }))

  it("creates a new member's series without formatting a metric's description (Effect's key hash does, per series)", () => {
    memberFirstUpdates(new MemberMetrics("series-hooks-first")) // the metrics' own parts, once per process
    const owner = optionToStringOwner()
    const original = owner.toString
    let formatted = 0
    owner.toString = function(this: unknown) {
      formatted++
      return original.call(this)
    }
    try {
      memberFirstUpdates(new MemberMetrics("series-hooks-second"))
    } finally {
      owner.toString = original
    }
    expect(formatted).toBe(0)
  })

  it("adds no registry entry for a member started again under the same name (the registry keeps series for good)", () => {
    memberFirstUpdates(new MemberMetrics("series-hooks-again"))
    const before = Metric.unsafeSnapshot().length
    memberFirstUpdates(new MemberMetrics("series-hooks-again"))
    expect(Metric.unsafeSnapshot().length).toBe(before)
  })

  it.effect("keeps counting a reason beyond the resolved ones, through Effect", () =>
    Effect.gen(function*() {
      const name = "series-hooks-many"
      const member = new MemberMetrics(name)
      for (let i = 0; i <= maxTagged; i++) member.countAs(metrics.coreDropped, "reason", `r${i}`)
      member.countAs(metrics.coreDropped, "reason", `r${maxTagged}`)
      expect(yield* counterOf(metrics.coreDropped, ["reason", `r${maxTagged}`], ["member", name])).toBe(2)
      expect(yield* counterOf(metrics.coreDropped, ["reason", "r0"], ["member", name])).toBe(1)
    }))
})
