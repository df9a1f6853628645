/**
 * How long a member that restarts under its name at a new address takes to
 * be held there by every member (docs/address-change.md), over many seeds.
 *
 *   npx tsx bench/address-change.ts 30 100-129
 *
 * Per seed: a cluster of NODES on the LAN preset settles, node-7 is killed,
 * and 0.5, 3.5 or 6.5 s later (by seed) restarts at a new address joining
 * through node-0; the figure is the virtual time from the restart until every
 * member holds node-7 alive at the new address. Prints median / p90 / max.
 */
import { SimulatedCluster } from "../src/internal/simulation/cluster.js"
import { NodeState, sameAddress } from "../src/internal/swim/messages.js"

const [nodesText = "30", seedsText = "100-129"] = process.argv.slice(2)
const nodes = Number(nodesText)
const [first, last] = seedsText.split("-").map(Number) as [number, number | undefined]
const seeds = Array.from({ length: (last ?? first) - first + 1 }, (_, i) => first + i)
const mover = "node-7"

const timeToMove = (seed: number): number => {
  const cluster = new SimulatedCluster({ seed })
  const all = Array.from({ length: nodes }, (_, i) => `node-${i}`)
  for (const name of all) cluster.addNode(name)
  cluster.start("node-0")
  for (const name of all.slice(1)) cluster.start(name, ["node-0"])
  const settled = cluster.runUntilTrue(() => all.every((o) => all.every((s) => cluster.view(o).get(s) === NodeState.Alive)), 60_000, 50)
  if (settled === undefined) return NaN
  cluster.kill(mover)
  cluster.runFor(500 + (seed % 3) * 3000)
  const address = cluster.relocate(mover, ["node-0"])
  const restartedAt = cluster.now
  const heldEverywhere = () =>
    all.every((o) => {
      const record = cluster.node(o).core.members.get(mover)
      return record !== undefined && record.state === NodeState.Alive && sameAddress(record.address, address)
    })
  const at = cluster.runUntilTrue(heldEverywhere, 60_000, 10)
  return at === undefined ? Infinity : at - restartedAt
}

const times = seeds.map(timeToMove).sort((a, b) => a - b)
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number
const sec = (ms: number) => (ms / 1000).toFixed(2)
console.log(`${nodes} members, ${seeds.length} seeds: every member holds the new address after ${sec(at(0.5))} / ${sec(at(0.9))} / ${sec(times[times.length - 1] as number)} s (median / p90 / max)`)
