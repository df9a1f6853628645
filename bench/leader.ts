/**
 * Leader election on the simulator, over many seeds (docs/leader.md):
 *
 *   npx tsx bench/leader.ts            # seeds 1-20, 100 members, 10 virtual minutes per run
 *   npx tsx bench/leader.ts 1-50 100
 *
 * Per seed, three runs (src/internal/simulation/electionScenario.ts): the
 * leader killed every two minutes, without loss and under 10% loss; and a
 * 50/50 partition from 2 to 5 minutes, then healed. The table gives, in
 * virtual seconds, the median / p99 / max of: the time from the start
 * until every member names one live leader; from each kill until all
 * name a new one; from the split until the half without the leader names
 * its own; from the heal until one leader remains. "missed" counts waits
 * that passed their limit (2 minutes). Double leaders (a term two members
 * led) must be 0.
 */
import { type ElectionRunResult, runElection } from "../src/internal/simulation/electionScenario.js"

const [seedsText = "1-20", nodesText = "100"] = process.argv.slice(2)
const [first, last] = seedsText.split("-").map(Number) as [number, number | undefined]
const seeds = Array.from({ length: (last ?? first) - first + 1 }, (_, i) => first + i)
const nodes = Number(nodesText)

const runs = { kills: [] as Array<ElectionRunResult>, lossy: [] as Array<ElectionRunResult>, partition: [] as Array<ElectionRunResult> }
const wallStart = performance.now()
for (const seed of seeds) {
  runs.kills.push(runElection({ plan: "kills", seed, nodes }))
  runs.lossy.push(runElection({ plan: "kills", seed, nodes, loss: 0.1 }))
  runs.partition.push(runElection({ plan: "partition", seed, nodes }))
  process.stderr.write(`[leader] seed ${seed} done (${((performance.now() - wallStart) / 1000).toFixed(0)} s)\n`)
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN
const s = (ms: number) => (Number.isNaN(ms) ? "–" : (ms / 1000).toFixed(1))

const row = (what: string, results: ReadonlyArray<ElectionRunResult>, pick: (r: ElectionRunResult) => ReadonlyArray<number | undefined>) => {
  const all = results.flatMap(pick)
  const got = all.filter((x): x is number => x !== undefined).sort((a, b) => a - b)
  const doubles = results.reduce((n, r) => n + r.doubleLeaders, 0)
  return `| ${what} | ${got.length} | ${s(quantile(got, 0.5))} | ${s(quantile(got, 0.99))} | ${s(got[got.length - 1] ?? NaN)} | ${all.length - got.length} | ${doubles} |`
}
const meanTerm = (results: ReadonlyArray<ElectionRunResult>) => (results.reduce((n, r) => n + r.highestTerm, 0) / results.length).toFixed(1)

console.log(`Leader election, ${nodes} members, seeds ${seeds[0]}-${seeds[seeds.length - 1]}, 10 virtual minutes per run, heartbeat 1 s, election timeout 3-6 s (LAN preset)\n`)
console.log("| measure (virtual s) | samples | median | p99 | max | missed | same-term double leaders |")
console.log("|---|---|---|---|---|---|---|")
console.log(row("first leader after start", runs.kills, (r) => [r.firstLeader]))
console.log(row("new leader after the leader is killed", runs.kills, (r) => r.failovers))
console.log(row("first leader after start, 10% loss", runs.lossy, (r) => [r.firstLeader]))
console.log(row("new leader after kill, 10% loss", runs.lossy, (r) => r.failovers))
console.log(row("50/50 partition: leaderless half elects its own", runs.partition, (r) => [r.partition?.sideElected]))
console.log(row("one leader again after the heal", runs.partition, (r) => [r.partition?.healed]))
console.log(
  `\nHighest term reached, mean per run (1 + 4 kills = 5 at best): ${meanTerm(runs.kills)} lossless, ${meanTerm(runs.lossy)} at 10% loss;` +
    ` partition runs ${meanTerm(runs.partition)}. One leader at the end of every run: ` +
    `${[...runs.kills, ...runs.lossy, ...runs.partition].every((r) => r.agreedAtEnd)}.` +
    ` Wall ${((performance.now() - wallStart) / 1000).toFixed(0)} s.`
)
