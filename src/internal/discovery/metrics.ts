/**
 * Metrics of the discovery sources that listen or publish (multicast, the
 * key-value store), each counter tagged with a `reason`.
 *
 * @internal
 */
import { Metric, MetricLabel } from "effect"

/**
 * Multicast announcements, by reason: `sent`, `send_failed`, `heard` (a
 * valid announcement of our cluster), `foreign` (another cluster's),
 * `malformed`, `unauthenticated` (unsigned or a bad signature while a
 * keyring is configured), `evicted` (the table was full: the least recently
 * heard address made room), `socket_error`.
 */
export const multicast = Metric.counter("memberlist_discovery_multicast", {
  description: "multicast discovery announcements sent, heard and dropped"
})

/**
 * Key-value store discovery, by reason: `published`, `publish_failed`,
 * `no_slot` (every slot held a live entry of another member), `malformed`
 * (an entry that does not parse), `stale` (an entry past its expiry, ignored),
 * `pruned` (a stale entry removed).
 */
export const store = Metric.counter("memberlist_discovery_store", {
  description: "key-value store discovery entries published, read and dropped"
})

// One label array per reason: Effect caches a series by the array's identity.
const reasonLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()

/**
 * Adds one to `counter` under `reason`, outside any effect (socket
 * callbacks). A discovery source is no member's: its series carry no
 * `member` label.
 */
export const count = (counter: Metric.Metric.Counter<number>, reason: string): void => {
  let labels = reasonLabels.get(reason)
  if (labels === undefined) {
    labels = [MetricLabel.make("reason", reason)]
    reasonLabels.set(reason, labels)
  }
  counter.unsafeUpdate(1, labels)
}
