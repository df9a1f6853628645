/**
 * Stopped members' metric series, bounded. Effect's registry keeps every
 * series for the life of the process, so a process that started and stopped
 * members under new names grew by each name's series (about 8 KB a name)
 * for ever. A stopped member's series stay (an exporter that collects after
 * the member stopped, or at shutdown, still reads its last counts) for the
 * `keptStoppedNames` names stopped most recently; beyond that the oldest
 * stopped name's series are removed from the registry and counted in
 * `memberlist_metric_series_retired` (`Memberlist.metrics.seriesRetired`).
 * A name in use again before that keeps its series; one used again after
 * it starts new ones (an exporter reads a counter reset).
 *
 * Effect 3 offers no removal: this reaches the registry's map, and checks
 * when the module loads that it is the `MutableHashMap` the registry keeps.
 * If an Effect release changes that, nothing is removed (the series stay,
 * as before) and `retiresSeries` is false, which a test checks.
 *
 * @internal
 */
import { Metric, type MetricKey, MutableHashMap } from "effect"
import { memberLabelKey } from "./metricLabels.js"
import { seriesRetired } from "./shell/metrics.js"

type Registry = MutableHashMap.MutableHashMap<MetricKey.MetricKey.Untyped, unknown>

const mutableHashMapTypeId = Symbol.for("effect/MutableHashMap")

const registryMap = ((): Registry | undefined => {
  const map: unknown = (Metric.globalMetricRegistry as unknown as { readonly map?: unknown }).map
  return typeof map === "object" && map !== null && mutableHashMapTypeId in map ? map as unknown as Registry : undefined
})()

/** Whether stopped members' series are ever removed (false only if Effect's registry changed shape). */
export const retiresSeries: boolean = registryMap !== undefined

/** Stopped names whose series are kept; the series of names stopped before them are removed. */
export const keptStoppedNames = 64

/** Running members per name. */
const running = new Map<string, number>()
/** Names no running member holds, oldest stopped first (a Set keeps insertion order). */
const stopped = new Set<string>()

const removeSeriesOf = (registry: Registry, name: string): number => {
  const retired: Array<MetricKey.MetricKey.Untyped> = []
  for (const [key] of registry) {
    if (key.tags.some((label) => label.key === memberLabelKey && label.value === name)) retired.push(key)
  }
  for (const key of retired) MutableHashMap.remove(registry, key)
  return retired.length
}

const stop = (name: string): void => {
  stopped.add(name)
  while (stopped.size > keptStoppedNames) {
    const oldest = stopped.values().next().value as string
    stopped.delete(oldest)
    if (registryMap === undefined) continue
    const removed = removeSeriesOf(registryMap, oldest)
    if (removed > 0) seriesRetired.unsafeUpdate(removed, [])
  }
}

/**
 * Marks `name` as running for as long as a member of that name runs; the
 * function returned lets go, once (later calls do nothing). When no running
 * member holds the name any more, it becomes the most recently stopped one.
 */
export const holdMemberSeries = (name: string): () => void => {
  running.set(name, (running.get(name) ?? 0) + 1)
  stopped.delete(name)
  let released = false
  return () => {
    if (released) return
    released = true
    const left = (running.get(name) ?? 1) - 1
    if (left > 0) {
      running.set(name, left)
      return
    }
    running.delete(name)
    stop(name)
  }
}
