/**
 * Deterministic, poorly compressible bytes from a linear congruential
 * generator: the same `seed` gives the same bytes, so a failing case replays.
 */
export const pseudoRandomBytes = (n: number, seed: number): Uint8Array => {
  const out = new Uint8Array(n)
  let x = seed >>> 0
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = x >>> 24
  }
  return out
}
