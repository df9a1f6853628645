/**
 * Effect metrics as Prometheus text exposition format 0.0.4: one family per
 * (sanitised) metric name with its HELP and TYPE lines, then every series of
 * it, each with all its tags as labels. Counters and gauges are one sample;
 * histograms are cumulative `_bucket{le=...}` samples ending with `+Inf`,
 * then `_sum` and `_count`; summaries are `{quantile=...}` samples, `_sum`
 * and `_count`; frequencies are counters with one series per value, under
 * the label `key`.
 *
 * @internal
 */
import { MetricState, Option } from "effect"
import type { MetricPair } from "effect"

/** The content type Prometheus expects for this format. */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

type Labels = ReadonlyArray<readonly [string, string]>
type PromType = "counter" | "gauge" | "histogram" | "summary"

interface Family {
  readonly name: string
  readonly type: PromType
  readonly help: string
  readonly lines: Array<string>
}

/** A metric name Prometheus accepts: `[a-zA-Z_:][a-zA-Z0-9_:]*`, other characters as `_`. */
export const sanitizeMetricName = (name: string): string => {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return cleaned === "" || /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned
}

/** A label name Prometheus accepts: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the reserved `__`. */
export const sanitizeLabelName = (name: string): string => {
  let cleaned = name.replace(/[^a-zA-Z0-9_]/g, "_")
  if (cleaned === "" || /^[0-9]/.test(cleaned)) cleaned = `_${cleaned}`
  return cleaned.startsWith("__") ? `x${cleaned}` : cleaned
}

/** A label value between double quotes: backslash, double quote and line feed escaped. */
export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

/** A HELP text: backslash and line feed escaped. */
export const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

/** A sample value as Go's ParseFloat reads it. */
export const formatValue = (value: number | bigint): string => {
  if (typeof value === "bigint") return value.toString()
  if (Number.isNaN(value)) return "NaN"
  if (value === Infinity) return "+Inf"
  if (value === -Infinity) return "-Inf"
  return String(value)
}

/** `{a="1",b="2"}`, or nothing without labels; a name given twice keeps its first value. */
const formatLabels = (labels: Labels): string => {
  const seen = new Set<string>()
  const parts: Array<string> = []
  for (const [key, value] of labels) {
    const name = sanitizeLabelName(key)
    if (seen.has(name)) continue
    seen.add(name)
    parts.push(`${name}="${escapeLabelValue(value)}"`)
  }
  return parts.length === 0 ? "" : `{${parts.join(",")}}`
}

const sample = (name: string, labels: Labels, value: number | bigint) => `${name}${formatLabels(labels)} ${formatValue(value)}`

const typeOf = (state: MetricState.MetricState.Untyped): PromType | undefined =>
  MetricState.isCounterState(state) || MetricState.isFrequencyState(state)
    ? "counter"
    : MetricState.isGaugeState(state)
    ? "gauge"
    : MetricState.isHistogramState(state)
    ? "histogram"
    : MetricState.isSummaryState(state)
    ? "summary"
    : undefined

/** The sample lines of one series. */
const seriesLines = (name: string, labels: Labels, state: MetricState.MetricState.Untyped): Array<string> => {
  if (MetricState.isCounterState(state)) return [sample(name, labels, state.count)]
  if (MetricState.isGaugeState(state)) return [sample(name, labels, state.value)]
  if (MetricState.isFrequencyState(state)) {
    return Array.from(state.occurrences, ([key, count]) => sample(name, [...labels, ["key", key]], count))
  }
  if (MetricState.isHistogramState(state)) {
    const lines: Array<string> = []
    let sawInfinity = false
    for (const [bound, cumulative] of state.buckets) {
      if (bound === Infinity) sawInfinity = true
      lines.push(sample(`${name}_bucket`, [...labels, ["le", formatValue(bound)]], cumulative))
    }
    if (!sawInfinity) lines.push(sample(`${name}_bucket`, [...labels, ["le", "+Inf"]], state.count))
    lines.push(sample(`${name}_sum`, labels, state.sum), sample(`${name}_count`, labels, state.count))
    return lines
  }
  if (MetricState.isSummaryState(state)) {
    const lines = state.quantiles.map(([q, value]) =>
      sample(name, [...labels, ["quantile", formatValue(q)]], Option.getOrElse(value, () => NaN))
    )
    lines.push(sample(`${name}_sum`, labels, state.sum), sample(`${name}_count`, labels, state.count))
    return lines
  }
  return []
}

/**
 * Renders a metrics snapshot. Series whose sanitised name another metric of
 * a different type already took are left out, with a comment saying so: one
 * family has one type.
 */
export const render = (pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>): string => {
  const families = new Map<string, Family>()
  const conflicts: Array<string> = []
  for (const pair of pairs) {
    const type = typeOf(pair.metricState)
    if (type === undefined) continue
    const name = sanitizeMetricName(pair.metricKey.name)
    let family = families.get(name)
    if (family === undefined) {
      family = { name, type, help: Option.getOrElse(pair.metricKey.description, () => pair.metricKey.name), lines: [] }
      families.set(name, family)
    } else if (family.type !== type) {
      conflicts.push(`# ${name}: a ${type} series left out, the family is a ${family.type}`)
      continue
    }
    const labels: Labels = pair.metricKey.tags.map((tag) => [tag.key, tag.value] as const)
    family.lines.push(...seriesLines(name, labels, pair.metricState))
  }
  const out: Array<string> = []
  for (const family of [...families.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    out.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`, ...family.lines)
  }
  out.push(...conflicts)
  return out.length === 0 ? "" : `${out.join("\n")}\n`
}
