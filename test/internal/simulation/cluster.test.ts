import { describe, expect, it } from "@effect/vitest"
import { lanNetwork, SimulatedCluster } from "../../../src/internal/simulation/cluster.js"
import { NodeState } from "../../../src/internal/swim/messages.js"

const names = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`)

/** n nodes with the LAN preset, all joining through node-0. */
const joinStorm = (seed: number, n: number) => {
  const cluster = new SimulatedCluster({ seed })
  const all = names(n)
  for (const name of all) cluster.addNode(name)
  cluster.start("node-0")
  for (const name of all.slice(1)) cluster.start(name, ["node-0"])
  return { cluster, all }
}

const everyoneSees = (cluster: SimulatedCluster, observers: ReadonlyArray<string>, subject: string, state: NodeState) =>
  observers.every((o) => cluster.view(o).get(subject) === state)

const fullyConverged = (cluster: SimulatedCluster, all: ReadonlyArray<string>) =>
  all.every((subject) => everyoneSees(cluster, all, subject, NodeState.Alive))

describe("simulated cluster, LAN preset", () => {
  it("50 nodes joining through one seed: every node sees all 50 alive within 30 s", () => {
    const { cluster, all } = joinStorm(11, 50)
    const at = cluster.runUntilTrue(() => fullyConverged(cluster, all), 30_000, 50)
    expect(at).toBeDefined()
    expect(at!).toBeLessThanOrEqual(30_000)
    for (const observer of all) expect(cluster.view(observer).size).toBe(50)
  })

  it("one of 50 killed: every survivor marks it dead, and no survivor marks anyone else dead", () => {
    const { cluster, all } = joinStorm(12, 50)
    expect(cluster.runUntilTrue(() => fullyConverged(cluster, all), 30_000, 50)).toBeDefined()
    const victim = "node-17"
    const survivors = all.filter((n) => n !== victim)
    cluster.kill(victim)
    const killedAt = cluster.now
    const detected = cluster.runUntilTrue(() => everyoneSees(cluster, survivors, victim, NodeState.Dead), 120_000, 50)
    expect(detected).toBeDefined()
    // Bound in protocol terms: one probe cycle to notice plus the max suspicion timeout.
    const minSuspicion = 4 * Math.log10(50) * 1000
    expect(detected! - killedAt).toBeLessThanOrEqual(50 * 1000 + 6 * minSuspicion)
    const wrongDeaths = cluster.events.filter((e) =>
      e.event._tag === "MemberFailed" && e.event.member.name !== victim)
    expect(wrongDeaths).toEqual([])
    for (const s of survivors) {
      for (const other of survivors) expect(cluster.view(s).get(other)).toBe(NodeState.Alive)
    }
  })

  it("the killed node's name rejoins with a new incarnation and every node sees it alive again", () => {
    const { cluster, all } = joinStorm(13, 50)
    expect(cluster.runUntilTrue(() => fullyConverged(cluster, all), 30_000, 50)).toBeDefined()
    const victim = "node-33"
    const survivors = all.filter((n) => n !== victim)
    const before = cluster.node("node-0").core.members.get(victim)!.incarnation
    cluster.kill(victim)
    expect(cluster.runUntilTrue(() => everyoneSees(cluster, survivors, victim, NodeState.Dead), 120_000, 50))
      .toBeDefined()
    cluster.restart(victim, ["node-0"])
    expect(cluster.runUntilTrue(() => fullyConverged(cluster, all), 30_000, 50)).toBeDefined()
    for (const observer of all) {
      expect(cluster.node(observer).core.members.get(victim)!.incarnation).toBeGreaterThan(before)
    }
  })

  it("50 nodes under 10% random packet loss for 10 minutes: no healthy node is ever marked dead", () => {
    const { cluster, all } = joinStorm(14, 50)
    expect(cluster.runUntilTrue(() => fullyConverged(cluster, all), 30_000, 50)).toBeDefined()
    cluster.setNetwork({ ...lanNetwork, loss: 0.1 })
    const lossFrom = cluster.now
    cluster.runFor(10 * 60_000)
    expect(cluster.stats.packetsLost).toBeGreaterThan(cluster.stats.packetsSent * 0.08)
    expect(cluster.events.filter((e) => e.event._tag === "MemberFailed")).toEqual([])
    // The loss is real enough to cause suspicions; Lifeguard and refutation keep them from becoming deaths.
    expect(cluster.events.some((e) => e.at > lossFrom && e.event._tag === "MemberSuspected")).toBe(true)
    cluster.setNetwork(lanNetwork)
    cluster.runFor(30_000)
    expect(fullyConverged(cluster, all)).toBe(true)
  })

  it("replays exactly from a seed", () => {
    const run = () => {
      const { cluster } = joinStorm(99, 20)
      cluster.setNetwork({ ...lanNetwork, loss: 0.05 })
      cluster.runFor(60_000)
      cluster.kill("node-5")
      cluster.runFor(30_000)
      return { stats: { ...cluster.stats }, events: cluster.events.map((e) => [e.at, e.node, e.event._tag]) }
    }
    expect(run()).toEqual(run())
  })
})
