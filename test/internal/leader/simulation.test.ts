/**
 * Leader election on the simulator: 100 members, each with the election
 * machine beside its SWIM core, its messages over the simulated network
 * (latency 1–2 ms, loss, partitions), 10 virtual minutes per run
 * (src/internal/simulation/electionScenario.ts). Every leader change on
 * every node is checked as it happens: no term may have two leaders.
 *
 * Bounds, in virtual seconds, with the default timings (heartbeat 1 s,
 * election timeout 3–6 s) and the LAN preset (probe every 1 s):
 * - first leader: every node names one live leader within 15 s of the
 *   start (10% loss: 30 s): the join settles in a few seconds, then at most
 *   two election timeouts (a split vote) and a heartbeat;
 * - after the leader is killed, all name a new one within 15 s (10% loss:
 *   30 s): a heartbeat interval plus at most two election timeouts;
 * - 50/50 partition: the half without the leader elects its own within
 *   75 s (SWIM must first declare the other half dead: up to its 48 s
 *   maximum suspicion timeout at 100 members, then two election timeouts and
 *   the time for that news to reach everyone), in a later term; after the
 *   heal one leader remains for all within 45 s: SWIM must first bring the
 *   halves' views together (a member the leader does not see alive gets no
 *   heartbeat; at worst a 30 s push/pull interval), then one heartbeat.
 * `npx tsx bench/leader.ts` runs the same over more seeds.
 */
import { describe, expect, it } from "@effect/vitest"
import { defaultElectionConfig } from "../../../src/internal/leader/config.js"
import { makeElectionCluster } from "../../../src/internal/simulation/election.js"
import { agreedLeader, LeaderLedger } from "../../../src/internal/simulation/electionLedger.js"
import { type ElectionRunResult, runElection } from "../../../src/internal/simulation/electionScenario.js"
import { lanTimings } from "../../../src/internal/swim/config.js"

const seconds = (s: number) => s * 1000
/** 1 + one election per kill, and at most one election lost to a split vote or a lost heartbeat per disruption. */
const maxTerm = (kills: number) => 1 + 2 * (kills + 1)

const expectClean = (r: ElectionRunResult) => {
  expect(r.doubles).toEqual([])
  expect(r.doubleLeaders).toBe(0)
  expect(r.agreedAtEnd).toBe(true)
}

describe("leader election, 100 simulated members, 10 virtual minutes", () => {
  const killRuns = [
    { loss: 0, seeds: [1, 2, 3, 4, 5], bound: 15 },
    { loss: 0.1, seeds: [1, 2, 3, 4], bound: 30 }
  ]
  for (const { bound, loss, seeds } of killRuns) {
    for (const seed of seeds) {
      it(`seed ${seed}, ${loss * 100}% loss: a leader within ${bound} s; each of 4 kills of the leader replaced within ${bound} s; never two leaders in a term`, () => {
        const r = runElection({ plan: "kills", seed, loss })
        expectClean(r)
        expect(r.firstLeader).toBeLessThanOrEqual(seconds(bound))
        expect(r.failovers).toHaveLength(4)
        for (const f of r.failovers) expect(f).toBeLessThanOrEqual(seconds(bound))
        expect(r.highestTerm).toBeLessThanOrEqual(maxTerm(4))
      })
    }
  }

  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: a 50/50 partition; the leaderless half elects its own within 75 s; one leader within 45 s of the heal`, () => {
      const r = runElection({ plan: "partition", seed })
      expectClean(r)
      expect(r.firstLeader).toBeLessThanOrEqual(seconds(15))
      expect(r.partition?.sideElected).toBeLessThanOrEqual(seconds(75))
      expect(r.partition?.healed).toBeLessThanOrEqual(seconds(45))
      expect(r.highestTerm).toBeLessThanOrEqual(maxTerm(1))
    })
  }
})

describe("the election overlay on smaller clusters", () => {
  const build = (n: number, seed: number) => {
    const ledger = new LeaderLedger()
    const { cluster, election } = makeElectionCluster(
      { seed, timings: lanTimings },
      { config: defaultElectionConfig, seed, onLeaderChange: ledger.record }
    )
    cluster.recordEvents = false
    const names = Array.from({ length: n }, (_, i) => `node-${i}`)
    for (const name of names) cluster.addNode(name)
    for (const [i, name] of names.entries()) {
      cluster.start(name, i === 0 ? [] : ["node-0"])
      election.start(name)
    }
    const agreed = () => agreedLeader(cluster, election, names)
    return { cluster, election, ledger, names, agreed }
  }

  it("a leader stalled for 20 s (a GC pause) is replaced in a later term, and on resuming steps down and follows", () => {
    const { agreed, cluster, election, ledger } = build(20, 11)
    expect(cluster.runUntilTrue(() => agreed() !== undefined, seconds(15))).toBeDefined()
    const old = agreed()!
    cluster.pause(old.leader)
    cluster.runFor(seconds(20))
    const during = new Set(cluster.list.filter((n) => n.name !== old.leader).map((n) => election.leaderOf(n.name)?.leader))
    expect(during.size).toBe(1)
    expect(during.has(old.leader)).toBe(false)
    cluster.resume(old.leader)
    expect(cluster.runUntilTrue(() => agreed() !== undefined, seconds(15))).toBeDefined()
    expect(agreed()!.leader).not.toBe(old.leader)
    expect(agreed()!.term).toBeGreaterThan(old.term)
    expect(ledger.doubleCount).toBe(0)
  })

  it("a killed member restarted with a fresh machine (term 0) follows the current leader without an election", () => {
    const { agreed, cluster, election, ledger } = build(20, 12)
    cluster.runUntilTrue(() => agreed() !== undefined, seconds(15))
    const leader = agreed()!
    const victim = cluster.list.find((n) => n.name !== leader.leader && n.name !== "node-0")!.name
    cluster.kill(victim)
    cluster.runFor(seconds(30))
    cluster.restart(victim, ["node-0"])
    election.start(victim)
    expect(election.leaderOf(victim)).toEqual({ leader: undefined, term: 0 })
    expect(cluster.runUntilTrue(() => election.leaderOf(victim)?.leader === leader.leader, seconds(10))).toBeDefined()
    expect(agreed()).toEqual(leader)
    expect(ledger.highestTerm).toBe(leader.term)
  })
})
