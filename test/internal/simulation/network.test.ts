import { describe, expect, it } from "@effect/vitest"
import { SimulatedCluster } from "../../../src/internal/simulation/cluster.js"
import { formatDistribution, parseDistribution, sample } from "../../../src/internal/simulation/network.js"
import { ViewTracker } from "../../../src/internal/simulation/tracker.js"
import type { Output } from "../../../src/internal/swim/io.js"
import { NodeState } from "../../../src/internal/swim/messages.js"
import { makeRng } from "../../../src/internal/swim/random.js"
import { messageSize } from "../../../src/internal/wire/messages.js"

const names = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`)

const converged = (n: number, seed: number, options: { onOutput?: (node: string, at: number, o: Output) => void } = {}) => {
  const tracker = new ViewTracker(n)
  const cluster = new SimulatedCluster({ seed, tracker, sizeOf: messageSize, ...options })
  const all = names(n)
  for (const name of all) cluster.addNode(name)
  cluster.start("node-0")
  for (const name of all.slice(1)) cluster.start(name, ["node-0"])
  expect(cluster.runUntilTrue(() => tracker.convergedFraction() === 1, 30_000, 50)).toBeDefined()
  return { cluster, tracker, all }
}

describe("latency distributions", () => {
  it("draw around their parameters and print back", () => {
    const rng = makeRng(1)
    const mean = (d: Parameters<typeof sample>[0]) => {
      let s = 0
      for (let i = 0; i < 20_000; i++) s += sample(d, rng)
      return s / 20_000
    }
    expect(mean({ _tag: "Constant", ms: 3 })).toBeCloseTo(3, 6)
    expect(mean({ _tag: "Uniform", min: 1, max: 3 })).toBeCloseTo(2, 1)
    expect(mean({ _tag: "Normal", mean: 20, stddev: 2 })).toBeCloseTo(20, 0)
    expect(mean({ _tag: "LogNormal", median: 10, sigma: 0.5 })).toBeCloseTo(10 * Math.exp(0.125), 0)
    for (const text of ["2ms", "1..3ms", "normal:5,1", "lognormal:5,0.5"]) {
      expect(formatDistribution(parseDistribution(text)!)).toBe(text)
    }
    expect(parseDistribution("3..1")).toBeUndefined()
  })
})

describe("network model", () => {
  it("a paused node is suspected and declared dead, then refutes when it resumes; nothing sent to it is lost", () => {
    const { cluster, all } = converged(10, 21)
    cluster.recordEvents = true
    const victim = cluster.node("node-4")
    const incarnation = victim.core.members.get("node-4")!.incarnation
    cluster.pause("node-4")
    cluster.runFor(30_000)
    expect(victim.backlog.length).toBeGreaterThan(0)
    const others = all.filter((n) => n !== "node-4")
    expect(others.every((o) => cluster.view(o).get("node-4") === NodeState.Dead)).toBe(true)
    const waiting = victim.backlog.length
    cluster.resume("node-4")
    expect(victim.backlog.length).toBe(0)
    expect(cluster.pending).toBeGreaterThanOrEqual(waiting)
    expect(cluster.runUntilTrue(() => others.every((o) => cluster.view(o).get("node-4") === NodeState.Alive), 30_000, 50))
      .toBeDefined()
    expect(victim.core.members.get("node-4")!.incarnation).toBeGreaterThan(incarnation)
    expect(cluster.events.some((e) => e.node === "node-4" && e.event._tag === "LocalStatus" && e.event.cause === "refuted"))
      .toBe(true)
    expect(cluster.accuracy.stallDeaths).toBeGreaterThan(0)
    expect(cluster.accuracy.falseDeaths).toBe(0)
  })

  it("a short partition heals by refutation: the cut-off nodes come back with a higher incarnation", () => {
    const { cluster, tracker, all } = converged(12, 27)
    const minority = ["node-2", "node-5"]
    cluster.partition([minority])
    // Long enough for the majority to declare them dead, shorter than gossipToTheDeadTime (30 s) after that.
    expect(cluster.runUntilTrue(() => all.filter((o) => !minority.includes(o)).every((o) =>
      minority.every((m) => cluster.view(o).get(m) === NodeState.Dead)), 60_000, 100)).toBeDefined()
    cluster.heal()
    for (const m of minority) cluster.join(m, ["node-0"])
    expect(cluster.runUntilTrue(() => tracker.convergedFraction() === 1, 30_000, 50)).toBeDefined()
    for (const m of minority) expect(cluster.node("node-0").core.members.get(m)!.incarnation).toBeGreaterThan(1)
  })

  it("a partition: each side marks the other dead; healed and rejoined, both sides see everyone alive again", () => {
    const { cluster, tracker, all } = converged(12, 22)
    const minority = ["node-3", "node-7", "node-9"]
    const majority = all.filter((n) => !minority.includes(n))
    cluster.partition([minority])
    // Dead, or already reaped after gossipToTheDeadTime.
    const gone = (observer: string, subject: string) => {
      const state = cluster.view(observer).get(subject)
      return state === NodeState.Dead || state === undefined
    }
    expect(cluster.runUntilTrue(() => minority.every((m) => majority.every((o) => gone(o, m))), 60_000, 100)).toBeDefined()
    // The small side is slower: Lifeguard slows its probing (it fails most probes, so it blames itself)
    // and it has few members to confirm a suspicion.
    expect(cluster.runUntilTrue(() => minority.every((m) => majority.every((o) => gone(m, o))), 240_000, 100)).toBeDefined()
    cluster.heal()
    for (const m of minority) cluster.join(m, ["node-0"])
    expect(cluster.runUntilTrue(() => tracker.convergedFraction() === 1, 30_000, 50)).toBeDefined()
    for (const m of minority) expect(cluster.view("node-0").get(m)).toBe(NodeState.Alive)
  })

  it("asymmetric loss: a node that cannot send is suspected; one that only loses a little incoming is not", () => {
    const run = (egress: number) => {
      const { cluster } = converged(10, 23)
      cluster.setNodeLoss("node-5", { egress })
      cluster.runFor(20_000)
      return cluster.accuracy.falseSuspicions
    }
    expect(run(1)).toBeGreaterThan(0)
    expect(run(0)).toBe(0)
    // Ingress loss on node-5 only: the packets others send it vanish, so its acks never go out either.
    const { cluster } = converged(10, 24)
    cluster.setNodeLoss("node-5", { ingress: 1 })
    cluster.runFor(20_000)
    expect(cluster.accuracy.falseSuspicions).toBeGreaterThan(0)
    expect(cluster.lossBetween(5, 1)).toBe(0)
    expect(cluster.lossBetween(1, 5)).toBe(1)
  })

  it("bandwidth: packets queue behind each other at a slow sender", () => {
    const sentAt = new Map<number, number>()
    const delays: Array<number> = []
    const { cluster } = converged(2, 25, {
      onOutput: (node, at, o) => {
        if (o._tag !== "SendPacket") return
        const first = o.messages[0]!
        if (node === "node-0" && first._tag === "Ping") sentAt.set(first.seqNo, at)
        if (node === "node-1" && first._tag === "Ack" && sentAt.has(first.seqNo)) delays.push(at - sentAt.get(first.seqNo)!)
      }
    })
    cluster.runFor(5_000)
    const fast = Math.max(...delays)
    expect(fast).toBeLessThan(3)
    delays.length = 0
    // 40 bytes per second: a ~50-byte ping spends over a second on the wire.
    cluster.setBandwidth("node-0", 40)
    cluster.runFor(20_000)
    expect(delays.length).toBeGreaterThan(0)
    expect(Math.min(...delays)).toBeGreaterThan(1000)
  })

  it("a blocked link only cuts that pair; indirect probes keep both alive", () => {
    const { cluster, all } = converged(8, 26)
    cluster.setLinkBlocked("node-1", "node-2", true)
    cluster.runFor(60_000)
    expect(all.every((o) => cluster.view(o).get("node-1") === NodeState.Alive)).toBe(true)
    expect(all.every((o) => cluster.view(o).get("node-2") === NodeState.Alive)).toBe(true)
    expect(cluster.reachable(cluster.node("node-1"), cluster.node("node-2"))).toBe(false)
    expect(cluster.reachable(cluster.node("node-1"), cluster.node("node-3"))).toBe(true)
  })
})
