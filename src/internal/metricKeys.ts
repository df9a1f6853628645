/**
 * Metrics that remember the key they were made from. Effect's `Metric`
 * does not expose its key, and a member needs it to build the keys of its
 * own series directly (see `seriesHooks.ts`); a metric made here is the one
 * `Metric.counter`, `Metric.gauge` or `Metric.histogram` makes
 * (`Metric.fromMetricKey` of the same key), so applications see no
 * difference.
 *
 * @internal
 */
import { Metric, type MetricBoundaries, MetricKey } from "effect"
import { type SeriesKeyMaker, seriesKeys } from "./seriesKey.js"

const keys = new WeakMap<Metric.Metric<any, any, any>, MetricKey.MetricKey.Untyped>()

const remember = <M extends Metric.Metric<any, any, any>>(metric: M, key: MetricKey.MetricKey.Untyped): M => {
  keys.set(metric, key)
  return metric
}

/** `Metric.counter(name, options)`, with its key remembered. */
export const counter = (
  name: string,
  options?: { readonly description?: string; readonly incremental?: boolean }
): Metric.Metric.Counter<number> => {
  const key = MetricKey.counter(name, options)
  return remember(Metric.fromMetricKey(key), key)
}

/** `Metric.gauge(name, options)`, with its key remembered. */
export const gauge = (name: string, options?: { readonly description?: string }): Metric.Metric.Gauge<number> => {
  const key = MetricKey.gauge(name, options)
  return remember(Metric.fromMetricKey(key), key)
}

/** `Metric.histogram(name, boundaries, description)`, with its key remembered. */
export const histogram = (
  name: string,
  boundaries: MetricBoundaries.MetricBoundaries,
  description?: string
): Metric.Metric.Histogram<number> => {
  const key = MetricKey.histogram(name, boundaries, description)
  return remember(Metric.fromMetricKey(key), key)
}

/** The key `metric` was made from, when it was made here. */
export const keyOf = (metric: Metric.Metric<any, any, any>): MetricKey.MetricKey.Untyped | undefined => keys.get(metric)

/** Series key makers by metric, made on first use (one per metric of the library: bounded). */
const makers = new WeakMap<Metric.Metric<any, any, any>, SeriesKeyMaker>()

/** The maker of `metric`'s series keys, when it was made here. */
export const seriesKeysOf = (metric: Metric.Metric<any, any, any>): SeriesKeyMaker | undefined => {
  const made = makers.get(metric)
  if (made !== undefined) return made
  const key = keys.get(metric)
  if (key === undefined) return undefined
  const maker = seriesKeys(key)
  makers.set(metric, maker)
  return maker
}
