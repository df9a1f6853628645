/**
 * Where a big simulation's memory and time go, for one N: runs the join
 * storm until every node has the full view, then 20 virtual seconds more,
 * and prints one JSON line: when the join settled, the CPU and packets it
 * took (alive messages and pings counted apart), the CPU of the 20 s after,
 * and the cluster's live memory after a full GC (less what the process held
 * before building it): the JS heap, the typed arrays' buffers outside it
 * (member tables, heard times), and their sum per (node, member) entry.
 *
 * With `--converged`, no storm: every node starts with the full view (the
 * simulator's converged start), so the figures are those of a cluster that
 * starts converged: the heap of N full views, and 20 s of steady state.
 *
 * Usage: `node --expose-gc --import tsx bench/sim-scale.ts 800 [--converged]` (see docs/simulator-scale.md).
 */
import { makeScenario } from "../src/internal/simulation/scenario.js"
import { buildCluster, startConverged, startJoinStorm } from "../src/internal/simulation/setup.js"
import { SimulatedNetwork } from "../src/internal/simulation/simNetwork.js"
import { ViewTracker } from "../src/internal/simulation/tracker.js"

const n = Number(process.argv[2] ?? 400)
const converged = process.argv.includes("--converged")
if (!Number.isInteger(n) || n < 2) throw new Error(`not a node count: ${process.argv[2]}`)

const messages = new Map<string, number>()
const send = SimulatedNetwork.prototype.send
// Counts every message a node sends, by kind, on its way into the network.
SimulatedNetwork.prototype.send = function(node, packet) {
  for (const m of packet.messages) messages.set(m._tag, (messages.get(m._tag) ?? 0) + 1)
  send.call(this, node, packet)
}

const gc = (globalThis as { gc?: () => void }).gc
gc?.()
// What the process holds before the cluster exists (code, the loader) is not the cluster's.
const heapBefore = process.memoryUsage().heapUsed
const buffersBefore = process.memoryUsage().arrayBuffers

const scenario = makeScenario({ nodes: n, seed: 7, duration: 60_000, actions: [] })
const tracker = new ViewTracker(n)
const cluster = buildCluster(scenario, tracker)
if (converged) {
  tracker.startPhase(0)
  startConverged(cluster, n)
} else {
  startJoinStorm(cluster, n)
  tracker.startPhase(0)
}
const cpu = () => process.cpuUsage().user / 1e6
const settleStart = cpu()
const settledAt = cluster.runUntilTrue(() => tracker.allConvergedAt !== undefined, 300_000, 100)
const settleCpu = cpu() - settleStart
const settled = { ...cluster.stats }
const settleMessages = Object.fromEntries(messages)
const steadyStart = cpu()
cluster.runFor(20_000)
const steadyCpu = cpu() - steadyStart
gc?.()
const heap = process.memoryUsage().heapUsed - heapBefore
const buffers = process.memoryUsage().arrayBuffers - buffersBefore
process.stdout.write(JSON.stringify({
  nodes: n,
  start: converged ? "converged" : "join storm",
  settledAtS: settledAt === undefined ? null : settledAt / 1000,
  settleCpuS: +settleCpu.toFixed(2),
  settlePackets: settled.packetsSent,
  settlePushPulls: settled.pushPulls,
  settleMessages,
  next20sCpuS: +steadyCpu.toFixed(2),
  next20sPackets: cluster.stats.packetsSent - settled.packetsSent,
  liveHeapMiB: gc === undefined ? null : +(heap / 2 ** 20).toFixed(1),
  arrayBuffersMiB: gc === undefined ? null : +(buffers / 2 ** 20).toFixed(1),
  bytesPerEntry: gc === undefined ? null : Math.round((heap + buffers) / n / n)
}) + "\n")
