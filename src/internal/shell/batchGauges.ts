/**
 * The gauges set after every batch of the driver loop, which is now after
 * every packet. Two costs are avoided: a gauge is written only when its value
 * changed (a write looks up the metric's series), and the alive members are
 * counted (a pass over the member table) only when a membership event was
 * published since the last count and that count is `eventRecountMillis` old,
 * or once `recountMillis` passed as a backstop for a state change that
 * published none. In a join storm every member hears an event per newcomer:
 * counting after each one cost a pass over N members per event, N^2 per
 * newcomer across a process holding them all.
 *
 * @internal
 */
import type { Metric } from "effect"
import type { MemberMetrics } from "./memberMetrics.js"
import * as metrics from "./metrics.js"

/** The longest the alive gauge goes without a recount. */
export const recountMillis = 1000

/**
 * The shortest time between two recounts caused by membership events: the
 * alive gauge lags a burst of events by at most this much (and until the
 * next batch), and a burst costs one pass over the table per period.
 */
export const eventRecountMillis = 100

// Where each gauge's last value is kept.
const HEALTH = 0
const MEMBERSHIP_QUEUE = 1
const USER_QUEUE = 2
const ALIVE = 3
const SLOTS = 4

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
  /** The value last written to each gauge, by slot; NaN until the first write (NaN equals nothing). */
  private readonly last = new Float64Array(SLOTS).fill(NaN)
  private membershipChanged = true
  private countedAt = -Infinity

  constructor(private readonly member: MemberMetrics, private readonly sources: GaugeSources) {}

  /** A membership event was published: the alive count may have changed. */
  readonly changed = (): void => {
    this.membershipChanged = true
  }

  /** Updates every gauge whose value moved; `at` is the time now when the caller has just read it. */
  readonly update = (at: number = this.sources.now()): void => {
    const { countAlive, healthScore, queueDepths } = this.sources
    const depths = queueDepths()
    this.set(HEALTH, metrics.healthScore, healthScore())
    this.set(MEMBERSHIP_QUEUE, metrics.membershipQueue, depths.membership)
    this.set(USER_QUEUE, metrics.userQueue, depths.user)
    const since = at - this.countedAt
    if ((this.membershipChanged && since >= eventRecountMillis) || since >= recountMillis) {
      this.membershipChanged = false
      this.countedAt = at
      this.set(ALIVE, metrics.aliveMembers, countAlive())
    }
  }

  // A slot per gauge, not a Map keyed by the metric: this runs after every packet.
  private set(slot: number, gauge: Metric.Metric.Gauge<number>, value: number): void {
    if (this.last[slot] === value) return
    this.last[slot] = value
    this.member.set(gauge, value)
  }
}
