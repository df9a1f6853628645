/**
 * One member's handle on the metrics: every update carries the member's
 * `member` label, with the label arrays made once (see `metricLabels.ts`)
 * and each series' registry entry resolved once (see `seriesHooks.ts`), so
 * updating costs no more than an unlabelled update, a new series costs a
 * copied key rather than a hashed one, and nothing grows with the fibers the
 * member forks.
 *
 * @internal
 */
import type { Metric } from "effect"
import { LabelSets } from "../metricLabels.js"
import { SeriesHooks } from "../seriesHooks.js"

/** Updates metrics as member `name`. */
export class MemberMetrics {
  readonly labels: LabelSets
  private readonly series: SeriesHooks

  constructor(readonly name: string) {
    this.labels = new LabelSets(name)
    this.series = new SeriesHooks(this.labels)
  }

  /** Adds `amount` (1 by default) to `counter`. */
  count(counter: Metric.Metric.Counter<number>, amount = 1): void {
    this.series.member(counter).update(amount)
  }

  /** Adds `amount` (1 by default) to the series of `counter` with `key=value` (a reason, a stream). */
  countAs(counter: Metric.Metric.Counter<number>, key: string, value: string, amount = 1): void {
    this.series.updateWith(counter, key, value, amount)
  }

  /** Sets `gauge`. */
  set(gauge: Metric.Metric.Gauge<number>, value: number): void {
    this.series.member(gauge).update(value)
  }

  /** Records `value` in `histogram`. */
  observe(histogram: Metric.Metric.Histogram<number>, value: number): void {
    this.series.member(histogram).update(value)
  }
}
