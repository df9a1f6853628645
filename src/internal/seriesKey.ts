/**
 * The key of one labelled series of a metric, built cheaply.
 *
 * `MetricKey.taggedWithLabels` (what `Metric.unsafeUpdate` with labels runs
 * for every new series) makes a key whose constructor hashes
 * `name + description`: the description is an `Option`, so that formats it
 * through Effect's inspector every time, then hashes the string, then unions
 * the label arrays. In a join storm every member makes about a dozen series
 * and that work was most of their cost. Here the part of the hash that
 * depends on the metric alone is computed once per metric, and a series key
 * is the metric's key (as prototype) with the labels and the finished hash.
 *
 * The copy relies on how Effect 3 lays out a key (fields read by name, a
 * cached `_hash`), so it is checked once against Effect's own key (equal both
 * ways, same hash, same fields as read); if the check fails (another Effect),
 * every key is built by `MetricKey.taggedWithLabels` as before.
 *
 * @internal
 */
import { Equal, Hash, MetricKey, MetricLabel } from "effect"

/** Builds the keys of `base`'s series, given each series' labels. */
export type SeriesKeyMaker = (tags: ReadonlyArray<MetricLabel.MetricLabel>) => MetricKey.MetricKey.Untyped

/** Effect's way: a new key, hashed from scratch. */
const effectMaker = (base: MetricKey.MetricKey.Untyped): SeriesKeyMaker => (tags) => MetricKey.taggedWithLabels(base, tags)

/**
 * The copy: an object whose prototype is the metric's key, so it reads the
 * key's name, type, description and methods, with labels and a hash of its
 * own (the metric's part of the hash once, the labels' part per series).
 */
const copyMaker = (base: MetricKey.MetricKey.Untyped): SeriesKeyMaker => {
  const prefix = Hash.combine(Hash.hash(base.keyType))(Hash.string(base.name + base.description))
  return (tags) => {
    const key = Object.create(base)
    key.tags = tags
    key._hash = Hash.combine(Hash.array(tags))(prefix)
    return key
  }
}

/** Whether copies are keys Effect takes for its own (checked once, on a probe key). */
const copiesWork = ((): boolean => {
  const base = MetricKey.counter("memberlist_series_key_probe", { description: "probe" })
  const tags = [MetricLabel.make("reason", "r"), MetricLabel.make("member", "m")]
  const effects = effectMaker(base)(tags)
  const copy = copyMaker(base)(tags)
  return Equal.equals(copy, effects) && Equal.equals(effects, copy) && Hash.hash(copy) === Hash.hash(effects) &&
    MetricKey.isMetricKey(copy) && copy.name === effects.name && copy.keyType === effects.keyType &&
    Equal.equals(copy.description, effects.description) && copy.tags === tags && effects.tags === tags
})()

/**
 * The key maker of `base`'s series. The labels are taken as given, as Effect
 * takes them when `base` has none of its own (its union with an empty array
 * is the array); a `base` with labels goes Effect's way.
 */
export const seriesKeys = (base: MetricKey.MetricKey.Untyped): SeriesKeyMaker =>
  copiesWork && base.tags.length === 0 ? copyMaker(base) : effectMaker(base)

/** Whether this process builds series keys by copy (false: Effect's way); for tests. */
export const seriesKeysCopied = copiesWork
