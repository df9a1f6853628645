/**
 * A counter summed over every member in the process (and the unlabelled
 * series of transports no member holds): what the counter read before its
 * series were split by member. For tests and benchmarks, which compare
 * totals before and after; reading a member's series that does not exist
 * yet registers it at zero.
 *
 * @internal
 */
import { Effect, Metric, MetricLabel } from "effect"
import { memberLabelKey } from "./metricLabels.js"

/** The names in the `member` label of every series registered so far. */
export const membersSeen = (): ReadonlySet<string> => {
  const names = new Set<string>()
  for (const pair of Metric.unsafeSnapshot()) {
    for (const label of pair.metricKey.tags) if (label.key === memberLabelKey) names.add(label.value)
  }
  return names
}

/**
 * `counter` summed over its unlabelled series and every member's; `members` (default: every member seen so
 * far) lets a caller that polls often take the names once, since listing them snapshots the whole registry.
 */
export const counterTotal = (
  counter: Metric.Metric.Counter<number>,
  members?: Iterable<string>
): Effect.Effect<number> =>
  Effect.sync(() => {
    let total = counter.unsafeValue([]).count
    for (const name of members ?? membersSeen()) total += counter.unsafeValue([MetricLabel.make(memberLabelKey, name)]).count
    return total
  })
