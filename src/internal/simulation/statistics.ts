/**
 * The statistics of a run, gathered into `SimulationResult`'s shapes: how
 * the join storm converged, how each failure was detected, and the
 * accuracy and traffic counts over the measured window (from the
 * scenario's start, after the join settled, to the end).
 *
 * @internal
 */
import type { Accuracy, SimulatedCluster } from "./cluster.js"
import type { DetectionReport, SimulationResult, TrafficReport } from "./result.js"
import { nodeName } from "./setup.js"
import type { ViewTracker } from "./tracker.js"

/** When the join storm's first `nodes` nodes had a full view, in the tracker's current phase. */
export const joinReport = (tracker: ViewTracker, nodes: number): SimulationResult["join"] => {
  const times = Array.from(tracker.convergedAt.subarray(0, nodes)).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b)
  return {
    medianNode: times.length > 0 ? times[Math.floor((times.length - 1) / 2)] : undefined,
    worstNode: times.length === nodes ? times[times.length - 1] : undefined,
    unconverged: nodes - times.length
  }
}

/** Every failure the tracker watched, with times counted from the failure. */
export const detectionReports = (tracker: ViewTracker): Array<DetectionReport> =>
  tracker.detections.map((d) => ({
    node: nodeName(d.subject),
    kind: d.kind,
    at: d.at,
    firstSuspicion: d.firstSuspectAt === undefined ? undefined : d.firstSuspectAt - d.at,
    first: d.firstDeadAt === undefined ? undefined : d.firstDeadAt - d.at,
    last: d.allAt === undefined ? undefined : d.allAt - d.at
  }))

/** Zeroes the cluster's accuracy counts and false-death log, so they count from now (the scenario's start). */
export const resetAccuracy = (cluster: SimulatedCluster): void => {
  const acc = cluster.accuracy
  for (const k of Object.keys(acc) as Array<keyof Accuracy>) acc[k] = 0
  cluster.falseDeathLog.length = 0
}

/**
 * Traffic from the scenario's start: the cluster's counters as they were
 * then, and the up-node time since, over which the per-node rates are
 * averaged (so nodes that are down do not dilute them).
 */
export class TrafficWindow {
  /** Sum over the steps of virtual time of their length times the nodes up at their end, ms. */
  private upNodeMs = 0

  private constructor(
    private readonly cluster: SimulatedCluster,
    private readonly start: number,
    private readonly from: { readonly packets: number; readonly lost: number; readonly streams: number; readonly streamBytes: number },
    private readonly perNode: { readonly packets: Float64Array; readonly bytes: Float64Array }
  ) {}

  /** Opens the window now, at virtual time `start`: the cluster's counters so far are left out. */
  static open(cluster: SimulatedCluster, start: number): TrafficWindow {
    const traffic = cluster.traffic
    const from = { packets: cluster.stats.packetsSent, lost: cluster.stats.packetsLost, streams: 0, streamBytes: 0 }
    for (let i = 0; i < cluster.list.length; i++) {
      from.streams += traffic.streams[i] as number
      from.streamBytes += traffic.streamBytes[i] as number
    }
    return new TrafficWindow(cluster, start, from, { packets: traffic.packets.slice(), bytes: traffic.bytes.slice() })
  }

  /** Counts a step of `ms` virtual milliseconds that ended with `up` nodes up. */
  addStep(ms: number, up: number): void {
    this.upNodeMs += ms * up
  }

  /** Node-milliseconds simulated in the window. */
  get nodeMs(): number {
    return this.upNodeMs
  }

  /** Traffic per up node per second, and the busiest node's, from the start to now. */
  report(): TrafficReport {
    const { cluster, from, perNode } = this
    const traffic = cluster.traffic
    const nodes = cluster.list.length
    const windowSeconds = Math.max(this.upNodeMs / 1000, 1e-9)
    // The busiest node's rate is over the window's length: a node that was
    // down for part of it is measured as if it had been quiet.
    const span = Math.max((cluster.now - this.start) / 1000, 1e-9)
    let maxPackets = 0
    let maxBytes = 0
    let streams = -from.streams
    let streamBytes = -from.streamBytes
    for (let i = 0; i < nodes; i++) {
      const p = ((traffic.packets[i] as number) - (perNode.packets[i] ?? 0)) / span
      const b = ((traffic.bytes[i] as number) - (perNode.bytes[i] ?? 0)) / span
      if (p > maxPackets) maxPackets = p
      if (b > maxBytes) maxBytes = b
      streams += traffic.streams[i] as number
      streamBytes += traffic.streamBytes[i] as number
    }
    const packets = cluster.stats.packetsSent - from.packets
    let bytes = 0
    for (let i = 0; i < nodes; i++) bytes += (traffic.bytes[i] as number) - (perNode.bytes[i] ?? 0)
    return {
      packetsPerNodeSecond: packets / windowSeconds,
      bytesPerNodeSecond: bytes / windowSeconds,
      maxPacketsPerNodeSecond: maxPackets,
      maxBytesPerNodeSecond: maxBytes,
      streamsPerNodeSecond: streams / windowSeconds,
      streamBytesPerNodeSecond: streamBytes / windowSeconds,
      packetsSent: packets,
      packetsLost: cluster.stats.packetsLost - from.lost
    }
  }
}
