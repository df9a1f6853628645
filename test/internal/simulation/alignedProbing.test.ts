/**
 * Aligned probing against many simultaneous failures (issue 13, item 4):
 * with 10 of 100 members killed at once, each victim has one prober in
 * every probe interval, so it is first suspected within a few intervals and
 * dead everywhere a min suspicion timeout later. With memberlist's shuffled
 * round robin a victim goes unprobed for as many as eight intervals.
 *
 * Judged over seeds rather than on chosen ones: which victims wait longest
 * moves with every change to the join and the gossip before the kill. Over
 * seeds 1–20 (bench/mass-kill.ts) the worst victim's first suspicion was
 * 2.7 s median, 5.0 s at most, aligned, and 5.2 s median, 8.2 s at most,
 * shuffled.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Simulator from "../../../src/Simulator.js"

const probeInterval = 1000
/** LAN min suspicion timeout at 100 members: 4 × log10(100) × 1 s. */
const minSuspicion = 8000
const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

const killTen = (seed: number, alignedProbing: boolean) =>
  Simulator.runSync(Simulator.scenario({
    nodes: 100,
    seed,
    duration: 30_000,
    overrides: { alignedProbing },
    actions: [Simulator.kill({ at: 10_000, count: 10 })]
  })).result

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

/** Per seed: the worst victim's first suspicion, and when the last survivor saw the last victim dead. */
const worstOf = (alignedProbing: boolean) =>
  seeds.map((seed) => {
    const { detections, accuracy } = killTen(seed, alignedProbing)
    return {
      seed,
      detected: detections.length,
      firstSuspicion: Math.max(...detections.map((d) => d.firstSuspicion ?? Infinity)),
      last: Math.max(...detections.map((d) => d.last ?? Infinity)),
      falseSuspicions: accuracy.falseSuspicions,
      falseDeaths: accuracy.falseDeaths
    }
  })

describe("10 of 100 members killed at once, aligned probing (LAN preset)", () => {
  const aligned = worstOf(true)

  it("every victim is seen dead everywhere, within min timeout + 6 intervals, on every seed, with no false suspicion", () => {
    for (const run of aligned) {
      expect(run.detected, `seed ${run.seed}`).toBe(10)
      expect(run.firstSuspicion, `seed ${run.seed}`).toBeLessThanOrEqual(6 * probeInterval)
      expect(run.last, `seed ${run.seed}`).toBeLessThanOrEqual(minSuspicion + 6 * probeInterval)
      expect(run.falseSuspicions, `seed ${run.seed}`).toBe(0)
      expect(run.falseDeaths, `seed ${run.seed}`).toBe(0)
    }
    expect(median(aligned.map((r) => r.firstSuspicion))).toBeLessThanOrEqual(3.5 * probeInterval)
  })

  it("the shuffled round robin leaves the worst victim unprobed longer: its median is at least 1.5 intervals later", () => {
    const shuffled = worstOf(false)
    const gap = median(shuffled.map((r) => r.firstSuspicion)) - median(aligned.map((r) => r.firstSuspicion))
    expect(gap).toBeGreaterThanOrEqual(1.5 * probeInterval)
    expect(median(shuffled.map((r) => r.last))).toBeGreaterThan(median(aligned.map((r) => r.last)))
  })
})
