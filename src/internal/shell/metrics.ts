/**
 * The member's metrics, as Effect `Metric`s (exported through whatever
 * metrics backend the application installs). Each member updates them with
 * its own `member` label (see `memberMetrics.ts`).
 *
 * @internal
 */
import { MetricBoundaries } from "effect"
import * as keyedMetric from "../metricKeys.js"

/** Packets sent. */
export const packetsOut = keyedMetric.counter("memberlist_packets_out", { description: "UDP packets sent" })
/** Packets received and decoded. */
export const packetsIn = keyedMetric.counter("memberlist_packets_in", { description: "UDP packets received" })
/** Bytes sent in packets. */
export const bytesOut = keyedMetric.counter("memberlist_bytes_out", { description: "UDP bytes sent" })
/** Bytes received in packets. */
export const bytesIn = keyedMetric.counter("memberlist_bytes_in", { description: "UDP bytes received" })
/** Packets or frames rejected by the decoder, by reason. */
export const decodeRejected = keyedMetric.counter("memberlist_decode_rejected", {
  description: "packets and stream frames rejected by the decoder"
})
/** Inputs the protocol core ignored as invalid, by reason. */
export const coreDropped = keyedMetric.counter("memberlist_core_dropped", { description: "inputs the core ignored" })
/** Probes started. */
export const probes = keyedMetric.counter("memberlist_probes", { description: "probes sent" })
/** Members suspected. */
export const suspicions = keyedMetric.counter("memberlist_suspicions", { description: "members suspected" })
/** Members declared dead. */
export const deaths = keyedMetric.counter("memberlist_deaths", { description: "members declared dead" })
/** Claims of a member's name from another address refused because the member still answers (once per claimant). */
export const nameConflicts = keyedMetric.counter("memberlist_name_conflicts", {
  description: "name claims refused: the member still answers at its address"
})
/** Received user messages that failed their schema. */
export const userMessagesRejected = keyedMetric.counter("memberlist_user_messages_rejected", {
  description: "received user messages that failed the schema"
})
/** Push/pull exchanges, by outcome. */
export const pushPulls = keyedMetric.counter("memberlist_push_pulls", { description: "push/pull exchanges" })
/** Lifeguard local health score (0 healthy). */
export const healthScore = keyedMetric.gauge("memberlist_health_score", { description: "local health score" })
/** Queued membership updates. */
export const membershipQueue = keyedMetric.gauge("memberlist_queue_membership", { description: "queued membership updates" })
/** Queued user broadcasts. */
export const userQueue = keyedMetric.gauge("memberlist_queue_user", { description: "queued user broadcasts" })
/** Members believed alive (self included). */
export const aliveMembers = keyedMetric.gauge("memberlist_members_alive", { description: "members alive" })

/** Events or messages a full subscriber queue dropped, tagged with `stream`. */
export const deliveryDropped = keyedMetric.counter("memberlist_delivery_dropped", {
  description: "events and messages dropped because a subscriber's queue was full"
})
/** Stream requests (push/pull, stream ping) the core had no answer for; the stream was closed at once. */
export const streamsUnanswered = keyedMetric.counter("memberlist_streams_unanswered", {
  description: "stream requests closed without an answer"
})
/** Packets dropped because the outgoing queue was full. */
export const outboxDropped = keyedMetric.counter("memberlist_outbox_dropped", { description: "packets dropped: send queue full" })
/** Stream exchanges refused because too many were in flight. */
export const streamsRefused = keyedMetric.counter("memberlist_streams_refused", {
  description: "outgoing stream exchanges refused: too many in flight"
})

/** Accepted streams closed to make room for a new one (too many from its host, or in all). */
export const inboundStreamsEvicted = keyedMetric.counter("memberlist_inbound_streams_evicted", {
  description: "accepted streams closed to make room for a newer one"
})

/** Bucket upper bounds (ms) of `probeRtt`: loopback and LAN round trips up to a probe that is acked late, via relays. */
export const probeRttBoundaries: ReadonlyArray<number> = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]

/**
 * Application state in push/pull, by `reason`: `sent` and `merged` when it
 * went through; `local_too_large`, `local_failed`, `remote_too_large`,
 * `merge_failed` and `merge_queue_full` for what was dropped.
 */
export const appState = keyedMetric.counter("memberlist_app_state", { description: "application states sent, merged or dropped" })

/**
 * Metric series of stopped members removed from the registry, once more
 * names have stopped than are kept (seriesRetirement.ts). No member label:
 * the process's own count.
 */
export const seriesRetired = keyedMetric.counter("memberlist_metric_series_retired", {
  description: "metric series of stopped members removed from the registry (beyond the most recently stopped names kept)",
  incremental: true
})

/** Members and merges the application's filters refused, tagged `reason`: `filterJoin` or `filterMerge`. */
export const refusals = keyedMetric.counter("memberlist_refusals", {
  description: "alive messages and push/pull merges refused by the application's filters"
})

/** Bucket upper bounds (ms) of `suspicionToDeath`: the suspicion timeouts of LAN timings (4 s to tens of seconds) and beyond. */
export const suspicionToDeathBoundaries: ReadonlyArray<number> = [
  500, 1000, 2000, 3000, 4000, 5000, 7500, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 120_000
]

/** Bucket upper bounds (ms) of `joinDuration`: a loopback exchange up to a join that waits out its deadline. */
export const joinDurationBoundaries: ReadonlyArray<number> = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000]

/** Round-trip time of successful probes, from the probe's ping to the first ack (direct, relayed or by stream). */
export const probeRtt = keyedMetric.histogram(
  "memberlist_probe_rtt_ms",
  MetricBoundaries.fromIterable(probeRttBoundaries),
  "round-trip time of acked probes, in milliseconds"
)

/** How long members declared dead had been suspected. */
export const suspicionToDeath = keyedMetric.histogram(
  "memberlist_suspicion_to_death_ms",
  MetricBoundaries.fromIterable(suspicionToDeathBoundaries),
  "time from suspecting a member to declaring it dead, in milliseconds"
)

/** How long a join took to learn the cluster: from its start to the first seed state merged. */
export const joinDuration = keyedMetric.histogram(
  "memberlist_join_duration_ms",
  MetricBoundaries.fromIterable(joinDurationBoundaries),
  "time from a join's start until the first seed's state was merged, in milliseconds"
)
