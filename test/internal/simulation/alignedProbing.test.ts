/**
 * Aligned probing against many simultaneous failures (issue 13, item 4):
 * with 10 of 100 members killed at once, each victim has one prober in
 * every probe interval, so it is first suspected within a few intervals
 * and dead everywhere a min suspicion timeout later. With memberlist's
 * shuffled round robin a victim goes unprobed for up to eight intervals on
 * these seeds (last dead 13.5–16.9 s after the kill).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Simulator from "../../../src/Simulator.js"

const probeInterval = 1000
/** LAN min suspicion timeout at 100 members: 4 × log10(100) × 1 s. */
const minSuspicion = 8000
const seeds = [2, 5, 6, 8, 10]

const killTen = (seed: number, alignedProbing: boolean) =>
  Simulator.runSync(Simulator.scenario({
    nodes: 100,
    seed,
    duration: 30_000,
    overrides: { alignedProbing },
    actions: [Simulator.kill({ at: 10_000, count: 10 })]
  })).result

describe("10 of 100 members killed at once, aligned probing (LAN preset)", () => {
  for (const seed of seeds) {
    it(`seed ${seed}: every victim suspected within 4 probe intervals, dead everywhere within min timeout + 4 intervals`, () => {
      const { detections, accuracy } = killTen(seed, true)
      expect(detections.length).toBe(10)
      for (const d of detections) {
        expect(d.firstSuspicion!).toBeLessThanOrEqual(4 * probeInterval)
        expect(d.last!).toBeLessThanOrEqual(minSuspicion + 4 * probeInterval)
      }
      expect(accuracy.falseSuspicions).toBe(0)
      expect(accuracy.falseDeaths).toBe(0)
    })
  }

  it("the shuffled round robin misses that bound on these seeds (the bound tells the two apart)", () => {
    const worst = seeds.map((seed) => Math.max(...killTen(seed, false).detections.map((d) => d.last ?? Infinity)))
    for (const last of worst) expect(last).toBeGreaterThan(minSuspicion + 4 * probeInterval)
  })
})
