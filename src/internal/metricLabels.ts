/**
 * Label sets for one member's metric series. Every series a member updates
 * carries `member=<name>`, last, after the metric's own label (a `reason`,
 * a `stream`): that is the order `Metric.tagged(Metric.tagged(m, "reason",
 * r), "member", n)` reads, so a reader finds the same series.
 *
 * The arrays are made once and reused because Effect caches a metric's hook
 * per label array (by identity): an update with a cached array is a map
 * lookup, while a fresh array costs a registry lookup with key hashing. No
 * fiber-level labels are involved, so nothing grows with the member's forks.
 *
 * @internal
 */
import { MetricLabel } from "effect"

/** The label naming the member a series belongs to. */
export const memberLabelKey = "member"

/** Distinct `key=value` extras one member keeps arrays for; beyond it, arrays are made per update (slower, still right). */
const maxCached = 128

/** Label arrays of one member (or of none: empty, for a transport no member holds). */
export class LabelSets {
  /** Just the member label (empty without a member). */
  readonly member: ReadonlyArray<MetricLabel.MetricLabel>
  private readonly cache = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()

  constructor(readonly name: string | undefined) {
    this.member = name === undefined ? [] : [MetricLabel.make(memberLabelKey, name)]
  }

  /** `key=value`, then the member label: the same array for the same pair. */
  with(key: string, value: string): ReadonlyArray<MetricLabel.MetricLabel> {
    const id = `${key}\u0000${value}`
    const cached = this.cache.get(id)
    if (cached !== undefined) return cached
    const labels = [MetricLabel.make(key, value), ...this.member]
    if (this.cache.size < maxCached) this.cache.set(id, labels)
    return labels
  }
}
