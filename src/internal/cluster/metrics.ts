/**
 * Metrics of the gossip view of `@effect/cluster` runners.
 *
 * @internal
 */
import { Metric } from "effect"

/** Verdicts given on runners, tagged `verdict` (alive, dead, unknown). */
export const verdicts = Metric.counter("memberlist_cluster_runner_verdicts", {
  description: "Verdicts the gossip view gave on @effect/cluster runners"
})

/** Departed runners forgotten because the table of departures was full. */
export const departuresEvicted = Metric.counter("memberlist_cluster_departures_evicted", {
  description: "Departed runners evicted from the bounded table of departures (oldest first)"
})
