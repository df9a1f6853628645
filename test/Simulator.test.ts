import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Simulator from "../src/Simulator.js"
import { messageSize } from "../src/internal/wire/messages.js"

const small = (partial: Partial<Simulator.Scenario> = {}) =>
  Simulator.scenario({ nodes: 12, seed: 3, duration: 30_000, sampleEvery: 500, ...partial })

describe("Simulator", () => {
  it("same scenario, same result; another seed, another result", () => {
    const s = small({ network: { ...Simulator.defaultNetwork, loss: 0.05 }, actions: [Simulator.kill({ at: 5_000, count: 1 })] })
    const a = Simulator.runSync(s)
    const b = Simulator.runSync(s)
    expect(a.result).toEqual(b.result)
    expect(a.command).toBe(b.command)
    const c = Simulator.runSync({ ...s, seed: 4 })
    expect(c.result).not.toEqual(a.result)
  })

  it.effect("runs as an Effect", () =>
    Effect.gen(function*() {
      const report = yield* Simulator.run(small({ duration: 5_000 }))
      expect(report.result.join.unconverged).toBe(0)
      expect(report.result.finalConverged).toBe(1)
    }))

  it("the replay command parses back to the same scenario actions", () => {
    const actions: Array<Simulator.Action> = [
      Simulator.kill({ at: 30_000, count: 10 }),
      Simulator.leave({ at: 10_000, count: 5 }),
      Simulator.rollingRestart({ at: 10_000, count: 0, every: 20_000, downtime: 5_000 }),
      Simulator.partition({ at: 20_000, fraction: 0.3, duration: 60_000 }),
      Simulator.partition({ at: 20_000, fraction: 0.5, duration: 1_500, rejoin: false }),
      Simulator.flap({ at: 10_000, count: 1, period: 4_000, duration: 120_000 }),
      Simulator.loss({ at: 0, loss: 0.2, duration: 300_000 }),
      Simulator.asymmetricLoss({ at: 10_000, count: 1, loss: 0.9, direction: "ingress", duration: 60_000 }),
      Simulator.pause({ at: 30_000, count: 1, duration: 10_000 }),
      Simulator.pause({ at: 30_000, count: 2, duration: 10_000, order: "as-due" }),
      Simulator.join({ at: 60_000, count: 50 })
    ]
    for (const a of actions) {
      const text = Simulator.formatAction(a)
      expect(Simulator.parseAction(text)).toEqual(Either.right(a))
    }
    const command = Simulator.replayCommand(small({ actions }))
    for (const a of actions) expect(command).toContain(`--scenario ${Simulator.formatAction(a)}`)
    expect(command).toContain("--seed 3")
    expect(Either.isLeft(Simulator.parseAction("explode:3"))).toBe(true)
    expect(Either.isLeft(Simulator.parseAction("partition:1.5"))).toBe(true)
    expect(Simulator.parseDuration("10m")).toEqual(Either.right(600_000))
    expect(Simulator.parseDistribution("lognormal:5,0.5")).toEqual(Either.right({ _tag: "LogNormal", median: 5, sigma: 0.5 }))
  })

  it("every action kind runs on a small cluster", () => {
    const kinds = [
      "kill:2@2s", "leave:2@2s", "rolling:3@1s,every=4s,down=2s", "partition:0.3@2s+8s", "flap:1@1s+10s,period=2s",
      "loss:0.2@1s+10s", "asym:1@1s+10s,loss=0.8,dir=egress", "pause:1@2s+5s", "join:3@2s"
    ]
    for (const text of kinds) {
      const action = Either.getOrThrow(Simulator.parseAction(text))
      const report = Simulator.runSync(small({ nodes: 10, duration: 40_000, actions: [action] }))
      expect(report.result.end).toBeGreaterThan(report.result.scenarioStart)
      expect(Simulator.formatSummary(report)).toContain("replay exactly with")
      expect(Simulator.renderHtml(report)).toContain("<svg")
    }
  })

  it("a kill is detected by everyone, with first <= last, and no healthy node dies", () => {
    const r = Simulator.runSync(small({ nodes: 20, duration: 60_000, actions: [Simulator.kill({ at: 5_000, count: 1 })] })).result
    expect(r.detections).toHaveLength(1)
    const d = r.detections[0]!
    expect(d.kind).toBe("kill")
    expect(d.firstSuspicion!).toBeLessThanOrEqual(d.first!)
    expect(d.first!).toBeLessThanOrEqual(d.last!)
    // One probe round to notice (20 nodes, 1 s each) plus the max suspicion timeout (6 × 4 × log10 20 s).
    expect(d.last!).toBeLessThan(20_000 + 6 * 4 * Math.log10(20) * 1000)
    expect(r.accuracy.falseDeaths).toBe(0)
    expect(r.finalConverged).toBe(1)
    expect(r.upAtEnd).toBe(19)
  })

  it("a partition: the sides mark each other dead; healed, they reconverge", () => {
    const r = Simulator.runSync(small({
      nodes: 16,
      duration: 90_000,
      actions: [Simulator.partition({ at: 2_000, fraction: 0.25, duration: 40_000 })]
    })).result
    expect(r.accuracy.cutDeaths).toBeGreaterThan(0)
    const healed = r.actions.find((a) => a.action.endsWith("(healed)"))!
    expect(healed.reconverged).toBeDefined()
    expect(r.finalConverged).toBe(1)
    // During the cut the curve shows nobody with a full view.
    expect(r.curve.some((p) => p.t > r.scenarioStart + 20_000 && p.t < r.scenarioStart + 40_000 && p.converged === 0)).toBe(true)
  })

  it("a stalled node is suspected and declared dead, then refutes when it resumes", () => {
    const r = Simulator.runSync(small({ nodes: 10, duration: 60_000, actions: [Simulator.pause({ at: 2_000, count: 1, duration: 25_000 })] })).result
    expect(r.accuracy.stallSuspicions).toBeGreaterThan(0)
    expect(r.accuracy.stallDeaths).toBeGreaterThan(0)
    expect(r.accuracy.falseDeaths).toBe(0)
    const resumed = r.actions.find((a) => a.action.endsWith("(resumed)"))!
    expect(resumed.reconverged).toBeDefined()
    expect(resumed.reconverged!).toBeLessThan(10_000)
    expect(r.finalConverged).toBe(1)
  })

  it("traffic on two idle nodes is what a probe cycle costs: a ping and an ack per node per second", () => {
    const r = Simulator.runSync(Simulator.scenario({ nodes: 2, seed: 9, duration: 100_000, sampleEvery: 1000 })).result
    // Each node pings the other once a second and acks the other's ping: 2 packets per node per second.
    expect(r.traffic.packetsPerNodeSecond).toBeGreaterThan(1.95)
    expect(r.traffic.packetsPerNodeSecond).toBeLessThan(2.05)
    const ping = messageSize({ _tag: "Ping", seqNo: 100, node: "node-1", source: { address: { host: "10.0.0.1", port: 7946 }, node: "node-0" } })
    const ack = messageSize({ _tag: "Ack", seqNo: 100, payload: new Uint8Array(0) })
    expect(r.traffic.bytesPerNodeSecond).toBeGreaterThan((ping + ack) * 0.95)
    expect(r.traffic.bytesPerNodeSecond).toBeLessThan((ping + ack) * 1.05)
    expect(r.accuracy.falseSuspicions).toBe(0)
    expect(r.join.worstNode).toBeLessThan(100)
  })
})
