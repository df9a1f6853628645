/**
 * The aligned probe ring's order (probe.ts): members by a hash of their
 * names, ties by name, the same order on every member.
 *
 * Every member of a simulated converged start sorts its whole view at its
 * first probe tick: 10^4 sorts of 10^4 members at 10,000 nodes. Sorting
 * numbers without a comparator (a typed array's own sort) instead of
 * objects with one makes no object per member and no call per comparison:
 * each key is the hash times `positions` plus the member's position, so it
 * is exact in a double and carries the member along. Equal hashes (rare,
 * 32 bits) are then put in name order.
 *
 * @internal
 */
import { fnv1a } from "../fnv1a.js"

/** Members a key can carry: hash (32 bits) x positions stays below 2^53. */
const positions = 2 ** 20

const byName = (a: { readonly name: string }, b: { readonly name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0

/** Sorts `order` into the ring: by `hash` of the name (fnv1a; another only in tests), ties by name. */
export const sortIntoRing = <M extends { readonly name: string }>(order: Array<M>, hash: (name: string) => number = fnv1a): void => {
  const n = order.length
  if (n >= positions) {
    order.sort((a, b) => hash(a.name) - hash(b.name) || byName(a, b))
    return
  }
  const keys = new Float64Array(n)
  for (let i = 0; i < n; i++) keys[i] = hash((order[i] as M).name) * positions + i
  keys.sort()
  const members = order.slice()
  for (let i = 0; i < n; i++) order[i] = members[(keys[i] as number) % positions] as M
  let start = 0
  while (start < n) {
    const h = Math.floor((keys[start] as number) / positions)
    let end = start + 1
    while (end < n && Math.floor((keys[end] as number) / positions) === h) end++
    if (end - start > 1) {
      const tied = order.slice(start, end).sort(byName)
      for (let i = start; i < end; i++) order[i] = tied[i - start] as M
    }
    start = end
  }
}
