/**
 * Counters of the guards against a hostile or broken network: each counts
 * a limit that bit or a failure that was not taken as evidence.
 *
 * @internal
 */
import * as keyedMetric from "../metricKeys.js"

/** Packets the socket refused to send (a failure on this host, not the peer's). */
export const sendsFailed = keyedMetric.counter("memberlist_sends_failed", {
  description: "packets the local socket refused to send"
})

/** Packets dropped before decoding: their source address was over its rate. */
export const packetsRateLimited = keyedMetric.counter("memberlist_packets_rate_limited", {
  description: "packets dropped before decoding: the source address sent over its rate"
})

/** Encrypted packets dropped after decrypting: their nonce was seen recently (a replay or a duplicate). */
export const packetsReplayed = keyedMetric.counter("memberlist_packets_replayed", {
  description: "encrypted packets dropped: nonce seen recently (replay or duplicate)"
})
