/**
 * The member's metrics, as Effect `Metric`s (exported through whatever
 * metrics backend the application installs).
 *
 * @internal
 */
import { Metric, MetricLabel } from "effect"

/** Packets sent. */
export const packetsOut = Metric.counter("memberlist_packets_out", { description: "UDP packets sent" })
/** Packets received and decoded. */
export const packetsIn = Metric.counter("memberlist_packets_in", { description: "UDP packets received" })
/** Bytes sent in packets. */
export const bytesOut = Metric.counter("memberlist_bytes_out", { description: "UDP bytes sent" })
/** Bytes received in packets. */
export const bytesIn = Metric.counter("memberlist_bytes_in", { description: "UDP bytes received" })
/** Packets or frames rejected by the decoder, by reason. */
export const decodeRejected = Metric.counter("memberlist_decode_rejected", {
  description: "packets and stream frames rejected by the decoder"
})
/** Inputs the protocol core ignored as invalid, by reason. */
export const coreDropped = Metric.counter("memberlist_core_dropped", { description: "inputs the core ignored" })
/** Probes started. */
export const probes = Metric.counter("memberlist_probes", { description: "probes sent" })
/** Members suspected. */
export const suspicions = Metric.counter("memberlist_suspicions", { description: "members suspected" })
/** Members declared dead. */
export const deaths = Metric.counter("memberlist_deaths", { description: "members declared dead" })
/** Claims of a member's name from another address refused because the member still answers (once per claimant). */
export const nameConflicts = Metric.counter("memberlist_name_conflicts", {
  description: "name claims refused: the member still answers at its address"
})
/** Received user messages that failed their schema. */
export const userMessagesRejected = Metric.counter("memberlist_user_messages_rejected", {
  description: "received user messages that failed the schema"
})
/** Push/pull exchanges, by outcome. */
export const pushPulls = Metric.counter("memberlist_push_pulls", { description: "push/pull exchanges" })
/** Lifeguard local health score (0 healthy). */
export const healthScore = Metric.gauge("memberlist_health_score", { description: "local health score" })
/** Queued membership updates. */
export const membershipQueue = Metric.gauge("memberlist_queue_membership", { description: "queued membership updates" })
/** Queued user broadcasts. */
export const userQueue = Metric.gauge("memberlist_queue_user", { description: "queued user broadcasts" })
/** Members believed alive (self included). */
export const aliveMembers = Metric.gauge("memberlist_members_alive", { description: "members alive" })

/** Events or messages a full subscriber queue dropped, tagged with `stream`. */
export const deliveryDropped = Metric.counter("memberlist_delivery_dropped", {
  description: "events and messages dropped because a subscriber's queue was full"
})
/** Stream requests (push/pull, stream ping) the core had no answer for; the stream was closed at once. */
export const streamsUnanswered = Metric.counter("memberlist_streams_unanswered", {
  description: "stream requests closed without an answer"
})
/** Packets dropped because the outgoing queue was full. */
export const outboxDropped = Metric.counter("memberlist_outbox_dropped", { description: "packets dropped: send queue full" })
/** Stream exchanges refused because too many were in flight. */
export const streamsRefused = Metric.counter("memberlist_streams_refused", {
  description: "outgoing stream exchanges refused: too many in flight"
})

/** Accepted streams closed to make room for a new one (too many from its host, or in all). */
export const inboundStreamsEvicted = Metric.counter("memberlist_inbound_streams_evicted", {
  description: "accepted streams closed to make room for a newer one"
})

const tagged = new WeakMap<Metric.Metric.Counter<number>, Map<string, Metric.Metric.Counter<number>>>()

/** A counter tagged with a reason: made once per counter and reason, then reused. */
export const withReason = <A extends Metric.Metric.Counter<number>>(metric: A, reason: string): A => {
  let byReason = tagged.get(metric)
  if (byReason === undefined) {
    byReason = new Map()
    tagged.set(metric, byReason)
  }
  let counter = byReason.get(reason)
  if (counter === undefined) {
    counter = Metric.taggedWithLabels(metric, [MetricLabel.make("reason", reason)])
    byReason.set(reason, counter)
  }
  return counter as A
}
