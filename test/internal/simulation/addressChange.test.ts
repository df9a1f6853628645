import { describe, expect, it } from "@effect/vitest"
import { SimulatedCluster } from "../../../src/internal/simulation/cluster.js"
import { runScenario } from "../../../src/internal/simulation/runner.js"
import { formatAction, makeScenario, parseAction } from "../../../src/internal/simulation/scenario.js"
import type { Address } from "../../../src/internal/swim/messages.js"
import { NodeState, sameAddress } from "../../../src/internal/swim/messages.js"

const probeInterval = 1000

const converged = (seed: number, n: number) => {
  const cluster = new SimulatedCluster({ seed })
  const all = Array.from({ length: n }, (_, i) => `node-${i}`)
  for (const name of all) cluster.addNode(name)
  cluster.start("node-0")
  for (const name of all.slice(1)) cluster.start(name, ["node-0"])
  const everyoneAlive = () => all.every((o) => all.every((s) => cluster.view(o).get(s) === NodeState.Alive))
  expect(cluster.runUntilTrue(everyoneAlive, 30_000, 50)).toBeDefined()
  return { cluster, all }
}

/** Every observer holds `subject` alive at `address`. */
const allSeeAt = (cluster: SimulatedCluster, observers: ReadonlyArray<string>, subject: string, address: Address) =>
  observers.every((o) => {
    const record = cluster.node(o).core.members.get(subject)
    return record !== undefined && record.state === NodeState.Alive && sameAddress(record.address, address)
  })

describe("simulated: a member restarts under its name at a new address", () => {
  for (const downtime of [500, 2000, 8000]) {
    it(`down ${downtime} ms (30 nodes, LAN): every member holds the new address within 5 probe intervals of the restart, no NameConflict`, () => {
      const { cluster, all } = converged(31 + downtime, 30)
      const mover = "node-7"
      const oldAddress = cluster.node(mover).address
      cluster.kill(mover)
      cluster.runFor(downtime)
      const since = cluster.events.length
      const newAddress = cluster.relocate(mover, ["node-0"])
      const restartedAt = cluster.now
      const seenAt = cluster.runUntilTrue(() => allSeeAt(cluster, all, mover, newAddress), 20 * probeInterval, 50)
      expect(seenAt).toBeDefined()
      // Over 30 seeds: median 3.6 s, slowest 4.2 s (each hop of the gossip waits for its own check, one probe interval).
      expect(seenAt! - restartedAt).toBeLessThanOrEqual(5 * probeInterval)
      cluster.runFor(30_000)
      const after = cluster.events.slice(since)
      expect(after.filter((e) => e.event._tag === "NameConflict")).toEqual([])
      // Still there, everyone alive, at the new address; the old one is no one's.
      expect(allSeeAt(cluster, all, mover, newAddress)).toBe(true)
      for (const o of all) expect(cluster.node(o).core.byAddress.get(`${oldAddress.host}:${oldAddress.port}`)).toBeUndefined()
      // Each survivor heard of the move once: as an update (it held the old one alive or suspect) or a join (dead).
      for (const o of all.filter((n) => n !== mover)) {
        const about = after.filter((e) => e.node === o && "member" in e.event && e.event.member.name === mover)
        const moved = about.filter((e) =>
          (e.event._tag === "MemberUpdated" && e.event.previousAddress !== undefined) || e.event._tag === "MemberJoined"
        )
        expect(moved.length).toBe(1)
      }
    })
  }

  it("a second process under a live member's name: the member keeps its address everywhere, one NameConflict per observer at most, and the impostor sees the conflict", () => {
    const { cluster, all } = converged(41, 20)
    const owner = "node-5"
    const ownerAddress = cluster.node(owner).address
    const since = cluster.events.length
    cluster.addNode("impostor", { name: owner })
    cluster.start("impostor", ["node-0"])
    cluster.runFor(60 * probeInterval)
    expect(allSeeAt(cluster, all, owner, ownerAddress)).toBe(true)
    const conflicts = cluster.events.slice(since).filter((e) => e.event._tag === "NameConflict")
    const perObserver = new Map<string, number>()
    for (const c of conflicts) perObserver.set(c.node, (perObserver.get(c.node) ?? 0) + 1)
    for (const count of perObserver.values()) expect(count).toBe(1)
    expect(perObserver.get("impostor")).toBe(1)
    expect(conflicts.length).toBeLessThanOrEqual(all.length)
  })

  it("the relocate action: parsed, formatted back, and run by the scenario runner", () => {
    const action = parseAction("relocate:3@10s,down=2s")
    expect(action).toEqual({ _tag: "Relocate", at: 10_000, count: 3, downtime: 2000 })
    expect(parseAction(formatAction(action as Exclude<typeof action, string>))).toEqual(action)
    const report = runScenario(makeScenario({ nodes: 30, seed: 5, duration: 40_000, actions: [action as Exclude<typeof action, string>] }))
    // Accusations of the addresses the nodes left are true: the processes there are gone.
    expect(report.result.accuracy.falseDeaths).toBe(0)
    expect(report.result.accuracy.falseSuspicions).toBe(0)
    expect(report.result.actions.map((a) => a.reconverged !== undefined)).toEqual([true])
    expect(report.result.finalConverged).toBe(1)
  })
})
