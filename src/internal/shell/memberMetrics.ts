/**
 * One member's handle on the metrics: every update carries the member's
 * `member` label, with the label arrays made once (see `metricLabels.ts`),
 * so updating costs no more than an unlabelled update and nothing grows
 * with the fibers the member forks.
 *
 * @internal
 */
import type { Metric } from "effect"
import { LabelSets } from "../metricLabels.js"

/** Updates metrics as member `name`. */
export class MemberMetrics {
  readonly labels: LabelSets

  constructor(readonly name: string) {
    this.labels = new LabelSets(name)
  }

  /** Adds `amount` (1 by default) to `counter`. */
  count(counter: Metric.Metric.Counter<number>, amount = 1): void {
    counter.unsafeUpdate(amount, this.labels.member)
  }

  /** Adds `amount` (1 by default) to the series of `counter` with `key=value` (a reason, a stream). */
  countAs(counter: Metric.Metric.Counter<number>, key: string, value: string, amount = 1): void {
    counter.unsafeUpdate(amount, this.labels.with(key, value))
  }

  /** Sets `gauge`. */
  set(gauge: Metric.Metric.Gauge<number>, value: number): void {
    gauge.unsafeUpdate(value, this.labels.member)
  }

  /** Records `value` in `histogram`. */
  observe(histogram: Metric.Metric.Histogram<number>, value: number): void {
    histogram.unsafeUpdate(value, this.labels.member)
  }
}
