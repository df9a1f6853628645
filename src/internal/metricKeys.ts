/**
 * Metrics that remember the key they were made from, and which of the
 * registry's entry points makes their series. Effect's `Metric` does not
 * expose its key, and a member needs it to build the keys of its own series
 * directly (see `seriesHooks.ts`); a metric made here is the one
 * `Metric.counter`, `Metric.gauge` or `Metric.histogram` makes
 * (`Metric.fromMetricKey` of the same key), so applications see no
 * difference.
 *
 * @internal
 */
import { Metric, type MetricBoundaries, type MetricHook, MetricKey } from "effect"
import { type SeriesKeyMaker, seriesKeys } from "./seriesKey.js"

/** A series' registry entry, from its key. */
type Register = (key: MetricKey.MetricKey.Untyped) => MetricHook.MetricHook<number, unknown>

/** What a metric made here remembers. */
interface Made {
  readonly key: MetricKey.MetricKey.Untyped
  /** The registry's own method for the metric's type (`get` would look the key up once more to find it). */
  readonly register: Register
  /** Made on first use. */
  series?: (tags: Parameters<SeriesKeyMaker>[0]) => MetricHook.MetricHook<number, unknown>
}

const made = new WeakMap<Metric.Metric<any, any, any>, Made>()
const registry = Metric.globalMetricRegistry

const remember = <M extends Metric.Metric<any, any, any>>(
  metric: M,
  key: MetricKey.MetricKey.Untyped,
  register: Register
): M => {
  made.set(metric, { key, register })
  return metric
}

/** `Metric.counter(name, options)`, with its key remembered. */
export const counter = (
  name: string,
  options?: { readonly description?: string; readonly incremental?: boolean }
): Metric.Metric.Counter<number> => {
  const key = MetricKey.counter(name, options)
  return remember(Metric.fromMetricKey(key), key, (k) => registry.getCounter(k))
}

/** `Metric.gauge(name, options)`, with its key remembered. */
export const gauge = (name: string, options?: { readonly description?: string }): Metric.Metric.Gauge<number> => {
  const key = MetricKey.gauge(name, options)
  return remember(Metric.fromMetricKey(key), key, (k) => registry.getGauge(k))
}

/** `Metric.histogram(name, boundaries, description)`, with its key remembered. */
export const histogram = (
  name: string,
  boundaries: MetricBoundaries.MetricBoundaries,
  description?: string
): Metric.Metric.Histogram<number> => {
  const key = MetricKey.histogram(name, boundaries, description)
  return remember(Metric.fromMetricKey(key), key, (k) => registry.getHistogram(k))
}

/** The key `metric` was made from, when it was made here. */
export const keyOf = (metric: Metric.Metric<any, any, any>): MetricKey.MetricKey.Untyped | undefined =>
  made.get(metric)?.key

/**
 * The registry entry of `metric`'s series with `tags`, found or made, when
 * `metric` was made here (undefined otherwise). One key maker per metric of
 * the library, made on first use: bounded.
 */
export const seriesOf = (
  metric: Metric.Metric<any, any, any>
): ((tags: Parameters<SeriesKeyMaker>[0]) => MetricHook.MetricHook<number, unknown>) | undefined => {
  const entry = made.get(metric)
  if (entry === undefined) return undefined
  if (entry.series === undefined) {
    const keys = seriesKeys(entry.key)
    const register = entry.register
    entry.series = (tags) => register(keys(tags))
  }
  return entry.series
}
