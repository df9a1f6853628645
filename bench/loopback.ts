/**
 * Real network benchmark: N members (default 50) over real UDP/TCP on
 * 127.0.0.1 in one process, LAN preset. After the cluster converges, it
 * measures a steady-state window: CPU of the whole process, and packets and
 * bytes sent per member per second (from the members' own metrics).
 *
 * Usage: npx tsx bench/loopback.ts [--nodes 50] [--seconds 30]
 * Prints one JSON line.
 */
import { Duration, Effect, Exit, Metric, Scope } from "effect"
import * as Memberlist from "../src/Memberlist.js"
import { counterTotal } from "../src/internal/metricTotal.js"
import { anyLost, startConverged } from "./loopbackCluster.js"

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const nodes = arg("nodes", 50)
const seconds = arg("seconds", 30)

/** Summed over the members in this process (each member has its own series). */
const counter = (metric: Metric.Metric.Counter<number>) => counterTotal(metric)

const program = Effect.gen(function*() {
  const scope = yield* Scope.make()
  const { convergedAfter, members } = yield* startConverged(nodes, scope, 8)
  yield* Effect.sleep(Duration.seconds(5))
  const before = {
    packets: yield* counter(Memberlist.metrics.packetsOut),
    bytes: yield* counter(Memberlist.metrics.bytesOut),
    pushPulls: yield* counter(Memberlist.metrics.pushPulls),
    cpu: process.cpuUsage(),
    at: performance.now()
  }
  yield* Effect.sleep(Duration.seconds(seconds))
  const cpu = process.cpuUsage(before.cpu)
  const window = (performance.now() - before.at) / 1000
  const packets = (yield* counter(Memberlist.metrics.packetsOut)) - before.packets
  const bytes = (yield* counter(Memberlist.metrics.bytesOut)) - before.bytes
  const failed = yield* anyLost(members, nodes)
  yield* Scope.close(scope, Exit.void)
  return {
    nodes,
    windowSeconds: Number(window.toFixed(1)),
    convergedAfterMs: convergedAfter,
    cpuPercentOfOneCore: Number((((cpu.user + cpu.system) / 1e6 / window) * 100).toFixed(1)),
    cpuMillisPerNodeSecond: Number((((cpu.user + cpu.system) / 1e3) / window / nodes).toFixed(3)),
    packetsPerNodeSecond: Number((packets / window / nodes).toFixed(2)),
    bytesPerNodeSecond: Number((bytes / window / nodes).toFixed(0)),
    memberLostDuringWindow: failed,
    rssMiB: Number((process.memoryUsage().rss / 2 ** 20).toFixed(0))
  }
})

Effect.runPromise(program).then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
