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
