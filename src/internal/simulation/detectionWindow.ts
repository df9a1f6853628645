/**
 * Traffic while failures are being detected: from the first failure (kill
 * or leave) until every up node has seen every failure so far, measured at
 * the first curve sample after that moment. The steady traffic of the whole
 * run dilutes what detection costs; this window is what memberlist's side by
 * side bench calls "detecting".
 *
 * @internal
 */
import type { SimulatedCluster } from "./cluster.js"
import type { DetectionTraffic } from "./result.js"
import { TrafficWindow } from "./statistics.js"
import type { ViewTracker } from "./tracker.js"

export class DetectionWindow {
  private window: TrafficWindow | undefined
  private openedAt = 0
  private closed: DetectionTraffic | undefined

  constructor(private readonly cluster: SimulatedCluster, private readonly tracker: ViewTracker) {}

  /** True once the window is open and every failure so far has been seen by every up node. */
  readonly done = (): boolean =>
    this.window !== undefined && this.closed === undefined && this.tracker.detections.every((d) => d.allAt !== undefined)

  /** After an action ran: opens the window at the run's first failure. */
  afterAction(): void {
    if (this.window !== undefined || this.tracker.detections.length === 0) return
    this.openedAt = this.cluster.now
    this.window = TrafficWindow.open(this.cluster, this.openedAt)
  }

  /** Counts a step of `ms` virtual milliseconds that ended with `up` nodes up; closes the window when done. */
  addStep(ms: number, up: number): void {
    if (this.window === undefined || this.closed !== undefined) return
    this.window.addStep(ms, up)
    if (this.done()) this.closed = this.measure(true)
  }

  /** The window's traffic; still open at the end of the run, it is measured to the end and marked incomplete. */
  report(): DetectionTraffic | undefined {
    return this.closed ?? (this.window === undefined ? undefined : this.measure(false))
  }

  private measure(complete: boolean): DetectionTraffic {
    const traffic = (this.window as TrafficWindow).report()
    return { ...traffic, from: this.openedAt, ms: this.cluster.now - this.openedAt, complete }
  }
}
