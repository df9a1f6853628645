/**
 * `result.detectionTraffic`: the traffic from the first failure until every
 * survivor has seen every failure, per survivor per second
 * (detectionWindow.ts; docs/detection.md, "What detection traffic buys").
 */
import { describe, expect, it } from "@effect/vitest"
import * as Simulator from "../../../src/Simulator.js"

const sampleEvery = 100

const killRun = (overrides: Record<string, boolean> = {}) =>
  Simulator.runSync(Simulator.scenario({
    nodes: 25,
    seed: 3,
    duration: 30_000,
    sampleEvery,
    overrides,
    actions: [Simulator.kill({ at: 5_000, count: 3 })]
  })).result

describe("detection-window traffic", () => {
  it("opens at the kill and closes within a sample of the last survivor seeing the last victim dead", () => {
    const r = killRun()
    const d = r.detectionTraffic!
    expect(d.complete).toBe(true)
    expect(d.from).toBe(r.scenarioStart + 5_000)
    const lastDead = Math.max(...r.detections.map((x) => x.last!))
    expect(d.ms).toBeGreaterThanOrEqual(lastDead)
    expect(d.ms).toBeLessThanOrEqual(lastDead + sampleEvery)
    // probes of the dead, indirect pings and the suspect/dead gossip: busier than the run as a whole
    expect(d.packetsPerNodeSecond).toBeGreaterThan(r.traffic.packetsPerNodeSecond)
    expect(d.bytesPerNodeSecond).toBeGreaterThan(r.traffic.bytesPerNodeSecond)
    expect(d.packetsSent).toBeLessThan(r.traffic.packetsSent)
  })

  it("is absent when nothing fails, and measured to the end (incomplete) when a failure is never seen by all", () => {
    const quiet = Simulator.runSync(Simulator.scenario({ nodes: 10, seed: 1, duration: 5_000 })).result
    expect(quiet.detectionTraffic).toBeUndefined()
    const short = Simulator.runSync(Simulator.scenario({
      nodes: 10,
      seed: 1,
      duration: 3_000,
      actions: [Simulator.kill({ at: 1_000, count: 1 })]
    })).result
    expect(short.detectionTraffic?.complete).toBe(false)
    expect(short.detectionTraffic?.ms).toBe(2_000)
  })

  it("with verification, the repeated direct ping and the coverage floor off, detecting sends fewer bytes", () => {
    const ours = killRun().detectionTraffic!
    const theirs = killRun({ verifySuspects: false, repeatDirectPing: false, coverageFloor: false }).detectionTraffic!
    expect(theirs.bytesPerNodeSecond).toBeLessThan(ours.bytesPerNodeSecond)
    expect(theirs.packetsPerNodeSecond).toBeLessThan(ours.packetsPerNodeSecond)
  })
})
