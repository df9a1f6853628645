/**
 * Counters of what the transport drops. The metrics are module-level, one
 * series per label set as the metric registry expects; each transport adds
 * the `member` label of the member that claimed it (none while unclaimed),
 * so several members in one process are told apart.
 *
 * @internal
 */
import { Metric } from "effect"
import type { TransportShape } from "../../Transport.js"
import { LabelSets } from "../metricLabels.js"

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

/** One transport's labels: whose member it serves, changed when a member claims or releases it. */
export class TransportLabels {
  labels = new LabelSets(undefined)
}

/** The labels of the transports this library made; a transport made elsewhere reports nothing here. */
const byTransport = new WeakMap<TransportShape, TransportLabels>()

/** Ties `shape` to the labels its counters use. */
export const register = (shape: TransportShape, labels: TransportLabels): TransportShape => {
  byTransport.set(shape, labels)
  return shape
}

/** Labels `transport`'s counters with `member` from now on (undefined: no member). */
export const assignMember = (transport: TransportShape, member: string | undefined): void => {
  const owner = byTransport.get(transport)
  if (owner !== undefined) owner.labels = new LabelSets(member)
}

/**
 * Increments from a socket callback, outside any fiber: `unsafeUpdate` is the
 * metric's own synchronous entry point. Fiber-level metric labels do not
 * apply here; the transport's own do.
 */
export const dropOversized = (owner: TransportLabels): void =>
  packetsDropped.unsafeUpdate(1, owner.labels.with("reason", "oversized"))

/** A packet dropped because the receive queue was full. */
export const dropQueueFull = (owner: TransportLabels): void =>
  packetsDropped.unsafeUpdate(1, owner.labels.with("reason", "queue_full"))

/** An incoming connection closed because the accept queue was full. */
export const dropConnection = (owner: TransportLabels): void => connectionsDropped.unsafeUpdate(1, owner.labels.member)

/** A datagram the operating system refused. */
export const sendFailed = (owner: TransportLabels): void => sendFailures.unsafeUpdate(1, owner.labels.member)
