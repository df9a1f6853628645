/**
 * The convergence curve: the share of up nodes with a full, correct view,
 * the share of correct entries and the traffic rate, sampled at every
 * multiple of a fixed period of virtual time.
 *
 * @internal
 */
import type { SimulatedCluster } from "./cluster.js"
import type { CurvePoint } from "./result.js"
import type { Scenario } from "./scenario.js"
import { drain } from "./slices.js"
import type { ViewTracker } from "./tracker.js"

/** The sampling period (ms): the scenario's, or one giving about 400 samples, a whole multiple of 100 ms. */
export const samplePeriod = (scenario: Scenario): number =>
  scenario.sampleEvery > 0
    ? scenario.sampleEvery
    : Math.max(100, Math.round((scenario.duration + (scenario.settle ? 30_000 : 0)) / 400 / 100) * 100)

/**
 * Samples the curve while moving the cluster through virtual time. It is
 * the one that steps the cluster, because samples must fall exactly on
 * the period's multiples whatever else is due.
 */
export class CurveSampler {
  readonly points: Array<CurvePoint> = []
  private lastAt = 0
  private lastPackets = 0
  private lastBytes = 0

  constructor(
    private readonly cluster: SimulatedCluster,
    private readonly tracker: ViewTracker,
    private readonly period: number
  ) {}

  /** Samples now; the traffic rates cover the time since the previous sample. */
  sample(): void {
    const { cluster, tracker } = this
    const dt = (cluster.now - this.lastAt) / 1000
    const up = tracker.upCount
    this.points.push({
      t: cluster.now,
      converged: tracker.convergedFraction(),
      correct: tracker.correctFraction(),
      up,
      packetsPerNodeSecond: dt > 0 && up > 0 ? (cluster.stats.packetsSent - this.lastPackets) / dt / up : 0,
      bytesPerNodeSecond: dt > 0 && up > 0 ? (cluster.stats.bytesSent - this.lastBytes) / dt / up : 0
    })
    this.lastPackets = cluster.stats.packetsSent
    this.lastBytes = cluster.stats.bytesSent
    this.lastAt = cluster.now
  }

  /** Runs the cluster to `until`, sampling at each multiple of the period; stops at one early once `stopWhen()` holds. */
  runUntil(until: number, stopWhen?: () => boolean): void {
    drain(this.slices(until, stopWhen, Infinity))
  }

  /** As `runUntil`, pausing (a `yield`) after every `budget` events, so the caller can let other work run. */
  *slices(until: number, stopWhen: (() => boolean) | undefined, budget: number): Generator<void, void> {
    const { cluster, period } = this
    while (cluster.now < until) {
      const target = Math.min(until, (Math.floor(cluster.now / period) + 1) * period)
      while (!cluster.runUntil(target, budget)) yield
      if (cluster.now % period === 0) this.sample()
      if (stopWhen !== undefined && stopWhen()) return
    }
  }

  /** Samples the end of the run, unless the last sample is already there. */
  finish(): void {
    const last = this.points[this.points.length - 1]
    if (last === undefined || last.t !== this.cluster.now) this.sample()
  }
}

/** Node-milliseconds simulated before `until` (the join storm's), from the curve's up counts. */
export const nodeMsBefore = (curve: ReadonlyArray<CurvePoint>, until: number): number => {
  let ms = 0
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as CurvePoint
    const b = curve[i] as CurvePoint
    if (b.t > until) break
    ms += (b.t - a.t) * a.up
  }
  return ms
}
