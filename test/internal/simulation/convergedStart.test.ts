/**
 * The simulator's converged start (issue 13): every node starts with every
 * other alive in its view, without a join storm, so a large cluster's steady
 * state and detection can be measured without paying the storm's N^2 alives.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Simulator from "../../../src/Simulator.js"
import * as Core from "../../../src/internal/swim/core.js"
import { NodeState } from "../../../src/internal/swim/messages.js"
import { makeScenario, replayCommand } from "../../../src/internal/simulation/scenario.js"
import { buildCluster, nodeName, startConverged } from "../../../src/internal/simulation/setup.js"
import { ViewTracker } from "../../../src/internal/simulation/tracker.js"

const nodes = 40

describe("converged start", () => {
  it("fills every view at t=0 with every node alive, each once in the probe order, without sending a packet", () => {
    const scenario = makeScenario({ nodes, seed: 3, convergedStart: true })
    const tracker = new ViewTracker(nodes)
    tracker.startPhase(0)
    const cluster = buildCluster(scenario, tracker)
    startConverged(cluster, nodes)
    expect(cluster.stats.packetsSent).toBe(0)
    expect(tracker.allConvergedAt).toBe(0)
    for (const node of cluster.list) {
      const view = Core.members(node.core)
      expect(view.length).toBe(nodes)
      expect(view.every((m) => m.state === NodeState.Alive)).toBe(true)
      const order = node.core.probeOrder.map((m) => m.name)
      expect(new Set(order).size).toBe(order.length)
      for (let i = 0; i < nodes; i++) if (nodeName(i) !== node.name) expect(order).toContain(nodeName(i))
      expect(node.seeds).toEqual([cluster.node(nodeName(0)).address])
    }
    // Each node's probe order is shuffled with its own generator: not all the same.
    const first = cluster.list[1]!.core.probeOrder.map((m) => m.name).join()
    expect(cluster.list.slice(2).some((n) => n.core.probeOrder.map((m) => m.name).join() !== first)).toBe(true)
  })

  it("then detects a kill as the storm-started cluster does, with no false death, and replays exactly", () => {
    const scenario = (convergedStart: boolean) =>
      Simulator.scenario({
        nodes,
        seed: 5,
        duration: 60_000,
        actions: [Simulator.kill({ at: 10_000, count: 1 })],
        ...(convergedStart ? { convergedStart } : {})
      })
    const converged = Simulator.runSync(scenario(true))
    const again = Simulator.runSync(scenario(true))
    const storm = Simulator.runSync(scenario(false))
    const r = converged.result
    expect(again.result).toEqual(r)
    expect(r.scenarioStart).toBe(0)
    expect(r.join).toEqual({ medianNode: 0, worstNode: 0, unconverged: 0 })
    expect(r.detections.length).toBe(1)
    // LAN at 40 members: min suspicion timeout 4 x log10(40) x 1 s = 6.4 s; the round robin reaches the victim within N intervals.
    expect(r.detections[0]!.last!).toBeLessThanOrEqual(6_400 + nodes * 1_000)
    expect(r.accuracy.falseDeaths).toBe(0)
    expect(r.finalConverged).toBe(1)
    // The same probing; only the storm's leftover alives (still being retransmitted) are missing.
    expect(r.traffic.packetsPerNodeSecond).toBeLessThanOrEqual(storm.result.traffic.packetsPerNodeSecond)
    expect(r.traffic.packetsPerNodeSecond).toBeGreaterThan(0.9 * storm.result.traffic.packetsPerNodeSecond - 0.5)
    expect(converged.command).toContain("--converged-start")
    expect(replayCommand(scenario(false))).not.toContain("--converged-start")
  })
})
