/**
 * The gauges set after every batch of the driver loop, which is now after
 * every packet. Two costs are avoided: a gauge is written only when its value
 * changed (a write looks up the metric's series), and the alive members are
 * counted (a pass over the member table) only after a membership event was
 * published, or once `recountMillis` passed as a backstop for a state change
 * that published none.
 *
 * @internal
 */
import type { Metric } from "effect"
import type { MemberMetrics } from "./memberMetrics.js"
import * as metrics from "./metrics.js"

/** The longest the alive gauge goes without a recount. */
export const recountMillis = 1000

/** What the gauges read from the member. */
export interface GaugeSources {
  readonly healthScore: () => number
  readonly queueDepths: () => { readonly membership: number; readonly user: number }
  /** Counts the alive members; may cost a pass over the table. */
  readonly countAlive: () => number
  readonly now: () => number
}

/** Sets the member's gauges after a batch, cheaply. */
export class BatchGauges {
  private readonly last = new Map<Metric.Metric.Gauge<number>, number>()
  private membershipChanged = true
  private countedAt = -Infinity

  constructor(private readonly member: MemberMetrics, private readonly sources: GaugeSources) {}

  /** A membership event was published: the alive count may have changed. */
  readonly changed = (): void => {
    this.membershipChanged = true
  }

  /** Updates every gauge whose value moved. */
  readonly update = (): void => {
    const { countAlive, healthScore, now, queueDepths } = this.sources
    const depths = queueDepths()
    this.set(metrics.healthScore, healthScore())
    this.set(metrics.membershipQueue, depths.membership)
    this.set(metrics.userQueue, depths.user)
    const at = now()
    if (this.membershipChanged || at - this.countedAt >= recountMillis) {
      this.membershipChanged = false
      this.countedAt = at
      this.set(metrics.aliveMembers, countAlive())
    }
  }

  private set(gauge: Metric.Metric.Gauge<number>, value: number): void {
    if (this.last.get(gauge) === value) return
    this.last.set(gauge, value)
    this.member.set(gauge, value)
  }
}
