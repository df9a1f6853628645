/**
 * Series keys built by copy (seriesKey.ts) are the keys Effect builds with
 * `MetricKey.taggedWithLabels`: equal both ways with the same hash, for
 * every metric of the library a member updates, so a reader's
 * `Metric.tagged(metric, "member", name)` finds the member's series.
 */
import { describe, expect, it } from "@effect/vitest"
import { Equal, Hash, type Metric, MetricKey, MetricLabel } from "effect"
import { keyOf } from "../../src/internal/metricKeys.js"
import { seriesKeys, seriesKeysCopied } from "../../src/internal/seriesKey.js"
import * as guardMetrics from "../../src/internal/shell/guardMetrics.js"
import * as metrics from "../../src/internal/shell/metrics.js"

const isMetric = (value: unknown): value is Metric.Metric<any, any, any> => typeof value === "function"

const libraryKeys = [...Object.values(metrics), ...Object.values(guardMetrics)].filter(isMetric).map((metric) => {
  const key = keyOf(metric)
  if (key === undefined) throw new Error("a member metric without a remembered key")
  return key
})

const expectSameKey = (copy: MetricKey.MetricKey.Untyped, effects: MetricKey.MetricKey.Untyped) => {
  expect(Equal.equals(copy, effects)).toBe(true)
  expect(Equal.equals(effects, copy)).toBe(true)
  expect(Hash.hash(copy)).toBe(Hash.hash(effects))
  expect(copy.tags).toEqual(effects.tags)
}

describe("seriesKeys", () => {
  it("copies keys in this Effect (a failure here means every new series is built the slow way)", () => {
    expect(seriesKeysCopied).toBe(true)
  })

  it("builds, for every member metric, the key Effect builds for the member label and for a reason with it", () => {
    expect(libraryKeys.length).toBeGreaterThan(20)
    const member = [MetricLabel.make("member", "m-1")]
    const reason = [MetricLabel.make("reason", "ok"), MetricLabel.make("member", "m-1")]
    for (const key of libraryKeys) {
      const keys = seriesKeys(key)
      expectSameKey(keys(member), MetricKey.taggedWithLabels(key, member))
      expectSameKey(keys(reason), MetricKey.taggedWithLabels(key, reason))
    }
  })

  it("tells members apart", () => {
    const keys = seriesKeys(libraryKeys[0]!)
    expect(Equal.equals(keys([MetricLabel.make("member", "a")]), keys([MetricLabel.make("member", "b")]))).toBe(false)
  })

  it("keeps repeated labels as Effect does for a metric without labels of its own", () => {
    const key = libraryKeys[0]!
    const repeated = [MetricLabel.make("member", "m"), MetricLabel.make("member", "m")]
    expectSameKey(seriesKeys(key)(repeated), MetricKey.taggedWithLabels(key, repeated))
  })

  it("goes Effect's way for a metric with labels of its own (Effect unions them)", () => {
    const key = MetricKey.tagged(libraryKeys[0]!, "reason", "r")
    const labels = [MetricLabel.make("reason", "r"), MetricLabel.make("member", "m")]
    expectSameKey(seriesKeys(key)(labels), MetricKey.taggedWithLabels(key, labels))
    expect(seriesKeys(key)(labels).tags).toHaveLength(2)
  })
})
