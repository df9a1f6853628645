/**
 * A small seeded pseudo-random generator (sfc32) for the protocol core.
 *
 * The core never touches `Math.random`: every random choice (probe order,
 * gossip targets, indirect-probe relays) draws from the generator carried in
 * its state, so the same seed and inputs replay the same run.
 *
 * @internal
 */

/** The generator's whole state: four 32-bit words. Mutated in place by the draw functions. */
export interface Rng {
  a: number
  b: number
  c: number
  d: number
}

/** Creates a generator from a seed; different seeds give independent streams. */
export const makeRng = (seed: number): Rng => {
  // Spread the seed with splitmix32 so small or similar seeds start far apart.
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  const rng: Rng = { a: next() | 0, b: next() | 0, c: next() | 0, d: next() | 0 }
  for (let i = 0; i < 12; i++) nextUint32(rng)
  return rng
}

/**
 * A uniformly distributed unsigned 32-bit integer. The state words are kept
 * as signed 32-bit values (`| 0`), the same bits as unsigned: those are
 * small integers to V8, where unsigned ones above 2^31 are boxed numbers,
 * one allocation per word and draw.
 */
export const nextUint32 = (rng: Rng): number => {
  const t = (((rng.a + rng.b) | 0) + rng.d) | 0
  rng.d = (rng.d + 1) | 0
  rng.a = rng.b ^ (rng.b >>> 9)
  rng.b = (rng.c + (rng.c << 3)) | 0
  rng.c = (rng.c << 21) | (rng.c >>> 11)
  rng.c = (rng.c + t) | 0
  return t >>> 0
}

/** A float in [0, 1). */
export const nextFloat = (rng: Rng): number => nextUint32(rng) / 4294967296

/** An integer in [0, bound). `bound` must be a positive integer. */
export const nextInt = (rng: Rng, bound: number): number => Math.floor(nextFloat(rng) * bound)

/** Shuffles an array in place (Fisher-Yates). */
export const shuffleInPlace = <A>(rng: Rng, items: Array<A>): void => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = nextInt(rng, i + 1)
    const tmp = items[i] as A
    items[i] = items[j] as A
    items[j] = tmp
  }
}

/**
 * Up to `k` distinct items chosen uniformly among those that `accept`,
 * scanning at most `3 * items.length` random positions as memberlist does,
 * so the cost stays bounded in a large, mostly unacceptable list.
 */
export const sampleDistinct = <A>(
  rng: Rng,
  items: ReadonlyArray<A>,
  k: number,
  accept: (item: A) => boolean
): Array<A> => {
  const chosen: Array<A> = []
  const n = items.length
  if (n === 0 || k <= 0) return chosen
  for (let i = 0; i < 3 * n && chosen.length < k; i++) {
    const item = items[nextInt(rng, n)] as A
    if (!accept(item) || chosen.includes(item)) continue
    chosen.push(item)
  }
  return chosen
}

/** A copy of the generator, for snapshots. */
export const copyRng = (rng: Rng): Rng => ({ a: rng.a, b: rng.b, c: rng.c, d: rng.d })
