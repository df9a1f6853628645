/**
 * Detection of many simultaneous failures (issue 13): with 10 of 100 members
 * killed at once, the round robin must go on at one probe per interval, so
 * every victim is first suspected within a few probe intervals and declared
 * dead everywhere a min suspicion timeout later. Before the fix, verifying
 * the ten suspicions took every other round-robin slot and each failed probe
 * of a dead member slowed the prober fourfold (its relays' nacks were judged
 * before they could arrive), so the last victims waited 12–18 s for a first
 * suspicion on these seeds.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Simulator from "../../../src/Simulator.js"

const probeInterval = 1000
/** LAN min suspicion timeout at 100 members: 4 × log10(100) × 1 s. */
const minSuspicion = 8000

describe("10 of 100 members killed at once (LAN preset)", () => {
  // Seeds on which the old core first suspected the last victim after 12.3–17.5 s.
  for (const seed of [4, 5, 6, 8]) {
    it(`seed ${seed}: every victim is suspected within 10 probe intervals and dead everywhere within min timeout + 12 intervals`, () => {
      const report = Simulator.runSync(Simulator.scenario({
        nodes: 100,
        seed,
        duration: 40_000,
        actions: [Simulator.kill({ at: 10_000, count: 10 })]
      }))
      const { detections, accuracy } = report.result
      expect(detections.length).toBe(10)
      for (const d of detections) {
        expect(d.firstSuspicion).toBeDefined()
        expect(d.firstSuspicion!).toBeLessThanOrEqual(10 * probeInterval)
        expect(d.last).toBeDefined()
        expect(d.last!).toBeLessThanOrEqual(minSuspicion + 12 * probeInterval)
      }
      expect(accuracy.falseSuspicions).toBe(0)
      expect(accuracy.falseDeaths).toBe(0)
    })
  }
})

describe("50 members under 10% packet loss for 10 minutes, no TCP fallback", () => {
  // Seeds on which the old core declared a healthy member dead: an accuser that missed the refutation.
  for (const seed of [5, 7]) {
    it(`seed ${seed}: suspicions, but no healthy member is declared dead`, () => {
      const report = Simulator.runSync(Simulator.scenario({
        nodes: 50,
        seed,
        duration: 600_000,
        network: { ...Simulator.defaultNetwork, loss: 0.1 },
        overrides: { tcpPingFallback: false }
      }))
      const { accuracy } = report.result
      expect(accuracy.falseSuspicionOrigins).toBeGreaterThan(0)
      expect(accuracy.falseDeaths).toBe(0)
    })
  }
})

/**
 * The coverage floor (dissemination.ts) under the Local preset, whose
 * retransmitMult of 2 sends each update 4 times at 50 members: a survivor
 * then misses every copy of a victim's suspicion and death now and then,
 * never probes the victim before its next push/pull (every 15 s), and sees
 * it dead about 20 s after the kill. With the floor each update goes out 9
 * times, and on these seeds every survivor sees every victim dead within a
 * min suspicion timeout and a few probe intervals.
 */
describe("5 of 50 members killed at once (Local preset), with and without the coverage floor", () => {
  /** Local min suspicion timeout at 50 members: 3 × log10(50) × 1 s. */
  const localMinSuspicion = 3 * Math.log10(50) * probeInterval
  const lastSeenDead = (seed: number, coverageFloor: boolean) => {
    const { detections } = Simulator.runSync(Simulator.scenario({
      nodes: 50,
      seed,
      preset: "local",
      duration: 40_000,
      overrides: { coverageFloor },
      actions: [Simulator.kill({ at: 10_000, count: 5 })]
    })).result
    expect(detections.length).toBe(5)
    return Math.max(...detections.map((d) => d.last ?? Infinity))
  }
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

  it("with the floor (the default), the last survivor sees every victim dead within min timeout + 5 intervals on every seed", () => {
    for (const seed of seeds) expect(lastSeenDead(seed, true)).toBeLessThanOrEqual(localMinSuspicion + 5 * probeInterval)
  })

  it("with memberlist's count, some seed leaves a survivor waiting for a push/pull (over 15 intervals)", () => {
    const late = seeds.filter((seed) => lastSeenDead(seed, false) > 15 * probeInterval)
    expect(late.length).toBeGreaterThan(0)
  })
})
