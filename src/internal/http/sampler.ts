/**
 * Turns the process's metric registry into one member's traffic samples:
 * counters become rates over the interval since the last reading, gauges
 * are read as they are. When a series carries a `member` label, only this
 * member's series count; series without one (metrics shared by every member
 * of the process) count for all.
 *
 * @internal
 */
import { MetricState } from "effect"
import type { MetricPair } from "effect"
import type { Sample } from "./model.js"

const counters = {
  packetsIn: "memberlist_packets_in",
  packetsOut: "memberlist_packets_out",
  bytesIn: "memberlist_bytes_in",
  bytesOut: "memberlist_bytes_out"
} as const
const gauges = {
  membershipQueue: "memberlist_queue_membership",
  userQueue: "memberlist_queue_user"
} as const

type Totals = Record<keyof typeof counters | keyof typeof gauges, number>

const numeric = (value: number | bigint): number => (typeof value === "bigint" ? Number(value) : value)

/** This member's totals of the metrics the view charts. */
export const readTotals = (pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>, member: string): Totals => {
  const totals: Totals = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, membershipQueue: 0, userQueue: 0 }
  const entries = [...Object.entries(counters), ...Object.entries(gauges)] as ReadonlyArray<[keyof Totals, string]>
  for (const [field, name] of entries) {
    const series = pairs.filter((p) => p.metricKey.name === name)
    const labelled = series.filter((p) => p.metricKey.tags.some((t) => t.key === "member"))
    const mine = labelled.length > 0
      ? labelled.filter((p) => p.metricKey.tags.some((t) => t.key === "member" && t.value === member))
      : series
    for (const p of mine) {
      const state = p.metricState
      if (MetricState.isCounterState(state)) totals[field] += numeric(state.count)
      else if (MetricState.isGaugeState(state)) totals[field] += numeric(state.value)
    }
  }
  return totals
}

/** Makes successive samples from successive readings; the first reading gives rates of 0. */
export const makeSampler = (member: string) => {
  let previous: { readonly at: number; readonly totals: Totals } | undefined
  return (
    pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>,
    at: number,
    extra: { readonly health: number; readonly alive: number }
  ): Sample => {
    const totals = readTotals(pairs, member)
    const seconds = previous === undefined ? 0 : Math.max(0.001, (at - previous.at) / 1000)
    const rate = (field: keyof typeof counters) =>
      previous === undefined ? 0 : Math.max(0, (totals[field] - previous.totals[field]) / seconds)
    const next: Sample = {
      at,
      packetsIn: rate("packetsIn"),
      packetsOut: rate("packetsOut"),
      bytesIn: rate("bytesIn"),
      bytesOut: rate("bytesOut"),
      membershipQueue: totals.membershipQueue,
      userQueue: totals.userQueue,
      health: extra.health,
      alive: extra.alive
    }
    previous = { at, totals }
    return next
  }
}
