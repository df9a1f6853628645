/**
 * Records shared by the views of a converged start (sharedRecord.ts): one
 * record per member for every view, and a private copy for a view that
 * changes it, in its place in that view's tables and probe order.
 */
import { describe, expect, it } from "@effect/vitest"
import { storedAddressKey } from "../../../src/internal/swim/addressKey.js"
import type { MemberRecord } from "../../../src/internal/swim/member.js"
import { NodeState } from "../../../src/internal/swim/messages.js"
import { ownRecord } from "../../../src/internal/swim/sharedRecord.js"
import { makeScenario } from "../../../src/internal/simulation/scenario.js"
import { buildCluster, nodeName, startConverged } from "../../../src/internal/simulation/setup.js"
import { ViewTracker } from "../../../src/internal/simulation/tracker.js"

const nodes = 12

const convergedCluster = () => {
  const cluster = buildCluster(makeScenario({ nodes, seed: 11, convergedStart: true }), new ViewTracker(nodes))
  startConverged(cluster, nodes)
  return cluster
}

const recordOf = (cluster: ReturnType<typeof convergedCluster>, viewer: number, member: number): MemberRecord =>
  cluster.list[viewer]!.core.members.get(nodeName(member))!

describe("shared member records", () => {
  it("are one frozen record per member in every converged view; each node's own record is its own", () => {
    const cluster = convergedCluster()
    for (let member = 0; member < nodes; member++) {
      const shared = recordOf(cluster, member === 0 ? 1 : 0, member)
      expect(Object.isFrozen(shared)).toBe(true)
      for (let viewer = 0; viewer < nodes; viewer++) {
        const record = recordOf(cluster, viewer, member)
        if (viewer === member) expect(Object.isFrozen(record)).toBe(false)
        else expect(record).toBe(shared)
      }
    }
  })

  it("refuse a write in place, so a write that skipped the copy cannot change every view", () => {
    const record = recordOf(convergedCluster(), 0, 1) as { state: NodeState }
    expect(() => {
      record.state = NodeState.Dead
    }).toThrow(TypeError)
  })

  it("are copied on the first write, the copy taking the shared one's place in that view only", () => {
    const cluster = convergedCluster()
    const core = cluster.list[0]!.core
    const shared = recordOf(cluster, 0, 5)
    const at = core.probeOrder.indexOf(shared)
    const own = ownRecord(core, shared)
    expect(own).not.toBe(shared)
    expect(own).toEqual(shared)
    expect(Object.isFrozen(own)).toBe(false)
    expect(core.members.get(shared.name)).toBe(own)
    expect(core.byAddress.get(storedAddressKey(shared.address))).toBe(own)
    expect(core.probeOrder[at]).toBe(own)
    expect(core.probeOrder.indexOf(shared)).toBe(-1)
    expect(ownRecord(core, own)).toBe(own)
    own.state = NodeState.Suspect
    for (let viewer = 1; viewer < nodes; viewer++) if (viewer !== 5) expect(recordOf(cluster, viewer, 5)).toBe(shared)
    expect(shared.state).toBe(NodeState.Alive)
  })

  it("of a killed member become private and dead in every survivor's view; the others stay shared", () => {
    const cluster = convergedCluster()
    const shared = recordOf(cluster, 0, 2)
    cluster.kill(nodeName(7))
    cluster.runFor(25_000)
    for (let viewer = 0; viewer < nodes; viewer++) {
      if (viewer === 7) continue
      const victim = recordOf(cluster, viewer, 7)
      expect(victim).toBeDefined()
      expect(Object.isFrozen(victim)).toBe(false)
      expect(victim.state).toBe(NodeState.Dead)
      if (viewer !== 2) expect(recordOf(cluster, viewer, 2)).toBe(shared)
    }
  })
})
