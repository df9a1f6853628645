/**
 * Counters of what the transport drops. Module-level so that every transport
 * in the process reports into the same series, as the metric registry expects.
 *
 * @internal
 */
import { Metric } from "effect"

const packetsDropped = Metric.counter("memberlist_transport_packets_dropped", {
  description: "Incoming packets dropped by the transport before the protocol saw them",
  incremental: true
})

/** Packets larger than the transport's `maxPacketSize`. */
export const packetsDroppedOversized: Metric.Metric.Counter<number> = packetsDropped.pipe(Metric.tagged("reason", "oversized"))

/** Packets that arrived while the receive queue was full (the reader is behind). */
export const packetsDroppedQueueFull: Metric.Metric.Counter<number> = packetsDropped.pipe(Metric.tagged("reason", "queue_full"))

/** Incoming stream connections refused because nobody took the previous ones. */
export const connectionsDropped: Metric.Metric.Counter<number> = Metric.counter("memberlist_transport_connections_dropped", {
  description: "Incoming stream connections closed because the accept queue was full",
  incremental: true
})

/** Datagrams the operating system refused to send. */
export const sendFailures: Metric.Metric.Counter<number> = Metric.counter("memberlist_transport_send_failures", {
  description: "Outgoing packets the operating system refused",
  incremental: true
})

/**
 * Increments from a socket callback, outside any fiber. `unsafeUpdate` is the
 * metric's own synchronous entry point; fiber-level metric labels do not apply
 * here, which is fine because these counters carry their own tags.
 */
export const bump = (counter: Metric.Metric.Counter<number>): void => counter.unsafeUpdate(1, [])
