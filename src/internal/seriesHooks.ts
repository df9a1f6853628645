/**
 * One member's series, resolved once: for each metric it updates, the
 * registry's hook (the object holding the series' value) of the member's
 * label set, so an update after the first is a map lookup and the update.
 *
 * Effect does the same per label array inside the metric, but it makes each
 * new series' key the costly way (see `seriesKey.ts`); here a metric made by
 * `metricKeys.ts` gets its key copied. A metric made elsewhere is updated
 * through Effect with the same labels: the same series, the old cost.
 *
 * Bounded: one entry per metric the member updates (the library's, a fixed
 * set) for its member label, and at most `maxTagged` per metric for extra
 * labels (a reason, a stream); beyond that, updates go through Effect.
 *
 * @internal
 */
import { type Metric, MetricHook } from "effect"
import type { LabelSets } from "./metricLabels.js"
import { seriesOf } from "./metricKeys.js"

/** Extra-label series per metric kept resolved; the library's reasons are fewer. */
export const maxTagged = 64

type AnyMetric = Metric.Metric<any, number, any>
type Hook = MetricHook.MetricHook<number, unknown>

/** A member's resolved series. */
export class SeriesHooks {
  private readonly plain = new Map<AnyMetric, Hook>()
  private readonly tagged = new Map<AnyMetric, Map<string, Hook>>()

  constructor(private readonly labels: LabelSets) {}

  /** The series of `metric` with the member label. */
  member(metric: AnyMetric): Hook {
    let hook = this.plain.get(metric)
    if (hook === undefined) {
      hook = this.resolve(metric, this.labels.member)
      this.plain.set(metric, hook)
    }
    return hook
  }

  /** Updates the series of `metric` with `key=value` and the member label. */
  updateWith(metric: AnyMetric, key: string, value: string, input: number): void {
    let byValue = this.tagged.get(metric)
    if (byValue === undefined) {
      byValue = new Map()
      this.tagged.set(metric, byValue)
    }
    const id = `${key}\u0000${value}`
    const hook = byValue.get(id)
    if (hook !== undefined) return hook.update(input)
    const labels = this.labels.with(key, value)
    if (byValue.size >= maxTagged) return metric.unsafeUpdate(input, labels)
    const resolved = this.resolve(metric, labels)
    byValue.set(id, resolved)
    resolved.update(input)
  }

  /** The registry's hook for `metric` with `labels`: by a copied key, or through Effect. */
  private resolve(metric: AnyMetric, labels: LabelSets["member"]): Hook {
    const series = seriesOf(metric)
    if (series !== undefined) return series(labels)
    return MetricHook.make({
      get: () => metric.unsafeValue(labels),
      update: (input: number) => metric.unsafeUpdate(input, labels),
      modify: (input: number) => metric.unsafeModify(input, labels)
    })
  }
}
