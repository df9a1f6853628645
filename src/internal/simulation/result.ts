/**
 * What a simulation run reports: the deterministic `SimulationResult` (a
 * function of the scenario alone) and the `SimulationReport` that wraps it
 * with the replay command and the wall-clock figures. Types only.
 *
 * @internal
 */
import type { Accuracy } from "./cluster.js"
import type { Scenario } from "./scenario.js"

/** One sample of the convergence curve. */
export interface CurvePoint {
  /** Virtual time, ms since the start of the run (the join). */
  readonly t: number
  /** Fraction of up nodes whose view is entirely correct. */
  readonly converged: number
  /** Fraction of correct (up observer, subject) view entries. */
  readonly correct: number
  /** Nodes up. */
  readonly up: number
  /** Packets and bytes sent per up node per second since the previous sample. */
  readonly packetsPerNodeSecond: number
  readonly bytesPerNodeSecond: number
}

/** How one failure (kill or leave) was detected, in ms after it happened. */
export interface DetectionReport {
  readonly node: string
  readonly kind: "kill" | "leave"
  /** When it happened, ms since the run started. */
  readonly at: number
  readonly firstSuspicion: number | undefined
  /** The first node to mark it dead (or left). */
  readonly first: number | undefined
  /** The last up node to mark it dead (or left, or forget it): undefined if some never did. */
  readonly last: number | undefined
}

/** Convergence after one action, in ms after it. */
export interface ActionReport {
  readonly action: string
  /** When the disruption ended (the action itself, or its heal/resume/restart), ms since the run started. */
  readonly at: number
  /** Time from `at` until every up node had a fully correct view again; undefined if never within the run. */
  readonly reconverged: number | undefined
}

/** Traffic, per up node per second, over the measured window. */
export interface TrafficReport {
  readonly packetsPerNodeSecond: number
  readonly bytesPerNodeSecond: number
  /** The busiest node's packets and bytes per second. */
  readonly maxPacketsPerNodeSecond: number
  readonly maxBytesPerNodeSecond: number
  /** Stream exchanges (push/pull, stream pings) per node per second, and their approximate bytes. */
  readonly streamsPerNodeSecond: number
  readonly streamBytesPerNodeSecond: number
  readonly packetsSent: number
  readonly packetsLost: number
}

/**
 * Traffic while failures were being detected (detectionWindow.ts): from
 * the first failure until every up node had seen every failure so far, to
 * the first curve sample after (within `sampleEvery`), per up node per
 * second, so per survivor.
 */
export interface DetectionTraffic extends TrafficReport {
  /** When the first failure happened, ms since the run started. */
  readonly from: number
  /** The window's length, ms. */
  readonly ms: number
  /** False when some up node had still not seen some failure at the end of the run (measured to the end). */
  readonly complete: boolean
}

/** Everything a run measured; a function of the scenario alone (same scenario, same result). */
export interface SimulationResult {
  /** When the join storm converged: the median node's and the last node's full view, ms from the start. */
  readonly join: {
    readonly medianNode: number | undefined
    readonly worstNode: number | undefined
    /** Nodes without a full view at the end of the settle window. */
    readonly unconverged: number
  }
  /** When the actions' clock started (the join settled, or 0). */
  readonly scenarioStart: number
  readonly end: number
  readonly detections: ReadonlyArray<DetectionReport>
  readonly actions: ReadonlyArray<ActionReport>
  readonly accuracy: Accuracy
  readonly falseDeathLog: ReadonlyArray<{ readonly at: number; readonly observer: string; readonly subject: string; readonly from: string }>
  readonly traffic: TrafficReport
  /** Traffic while detecting the run's failures; undefined when nothing failed. */
  readonly detectionTraffic: DetectionTraffic | undefined
  readonly curve: ReadonlyArray<CurvePoint>
  /** At the end: fraction of up nodes with a full view. */
  readonly finalConverged: number
  readonly upAtEnd: number
}

/** A run: the scenario, the exact command to replay it, what it measured and how long it took. */
export interface SimulationReport {
  readonly scenario: Scenario
  readonly command: string
  readonly result: SimulationResult
  /** Wall-clock figures: not part of the deterministic result. */
  readonly wall: {
    readonly ms: number
    readonly virtualMs: number
    /** Simulated node-seconds per wall second. */
    readonly nodeSecondsPerSecond: number
    readonly peakRssBytes: number
    /**
     * Member names and addresses the process-wide key interners turned away
     * during the run (each then costs its tables a `Map` entry): 0 unless the
     * process has met more than 2^18 distinct names or addresses.
     */
    readonly internerRefusals: number
  }
}
