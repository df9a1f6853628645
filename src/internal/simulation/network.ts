/**
 * The simulated network's building blocks: latency distributions (as data,
 * sampled from the simulation's seeded generator) and a stateless per-link
 * hash, so a link's fixed base latency needs no N^2 table.
 *
 * @internal
 */
import { nextFloat, type Rng } from "../swim/random.js"

/** A latency distribution, in milliseconds. Plain data: serialisable, replayable. */
export type Distribution =
  | { readonly _tag: "Constant"; readonly ms: number }
  | { readonly _tag: "Uniform"; readonly min: number; readonly max: number }
  | { readonly _tag: "Normal"; readonly mean: number; readonly stddev: number }
  /** exp(N(ln median, sigma)): a long right tail, as real RTTs have. */
  | { readonly _tag: "LogNormal"; readonly median: number; readonly sigma: number }

/** The lowest latency any draw yields: a packet never arrives in the instant it is sent. */
const minLatency = 0.01

const gaussian = (u1: number, u2: number): number =>
  Math.sqrt(-2 * Math.log(Math.max(u1, 1e-12))) * Math.cos(2 * Math.PI * u2)

/** A value of `d` from two uniforms in [0, 1). */
export const sampleFrom = (d: Distribution, u1: number, u2: number): number => {
  let v: number
  switch (d._tag) {
    case "Constant":
      v = d.ms
      break
    case "Uniform":
      v = d.min + u1 * (d.max - d.min)
      break
    case "Normal":
      v = d.mean + d.stddev * gaussian(u1, u2)
      break
    case "LogNormal":
      v = d.median * Math.exp(d.sigma * gaussian(u1, u2))
      break
  }
  return v > minLatency ? v : minLatency
}

/** One draw of `d` from `rng` (a constant draws nothing, so it does not perturb the stream). */
export const sample = (d: Distribution, rng: Rng): number => {
  switch (d._tag) {
    case "Constant":
      return d.ms > minLatency ? d.ms : minLatency
    case "Uniform":
      return sampleFrom(d, nextFloat(rng), 0)
    default:
      return sampleFrom(d, nextFloat(rng), nextFloat(rng))
  }
}

/** A float in [0, 1) from three integers (seed, from, to): the same link always hashes the same. */
export const hashUnit = (seed: number, a: number, b: number): number => {
  let h = (seed ^ Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca77)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0
  h = (h ^ (h >>> 16)) >>> 0
  return h / 4294967296
}

/** Renders a distribution compactly: `1ms`, `1..2ms`, `normal(5,1)ms`, `lognormal(5,0.5)ms`. */
export const formatDistribution = (d: Distribution): string => {
  switch (d._tag) {
    case "Constant":
      return `${d.ms}ms`
    case "Uniform":
      return `${d.min}..${d.max}ms`
    case "Normal":
      return `normal:${d.mean},${d.stddev}`
    case "LogNormal":
      return `lognormal:${d.median},${d.sigma}`
  }
}

/**
 * Parses `formatDistribution`'s forms: `2`, `2ms`, `1..3`, `1..3ms`,
 * `normal:MEAN,SD`, `lognormal:MEDIAN,SIGMA` (all in ms).
 */
export const parseDistribution = (text: string): Distribution | undefined => {
  const t = text.trim().toLowerCase()
  const num = (s: string | undefined): number | undefined => {
    if (s === undefined) return undefined
    const v = Number(s.replace(/ms$/, ""))
    return Number.isFinite(v) && v >= 0 ? v : undefined
  }
  const pair = (s: string): readonly [number, number] | undefined => {
    const [a, b] = s.split(",")
    const x = num(a)
    const y = num(b)
    return x === undefined || y === undefined ? undefined : [x, y]
  }
  if (t.startsWith("normal:")) {
    const p = pair(t.slice(7))
    return p && { _tag: "Normal", mean: p[0], stddev: p[1] }
  }
  if (t.startsWith("lognormal:")) {
    const p = pair(t.slice(10))
    return p && { _tag: "LogNormal", median: p[0], sigma: p[1] }
  }
  if (t.includes("..")) {
    const [a, b] = t.replace(/ms$/, "").split("..")
    const min = num(a)
    const max = num(b)
    return min === undefined || max === undefined || max < min ? undefined : { _tag: "Uniform", min, max }
  }
  const ms = num(t)
  return ms === undefined ? undefined : { _tag: "Constant", ms }
}
