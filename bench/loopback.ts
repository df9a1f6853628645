/**
 * Real network benchmark: N members (default 50) over real UDP/TCP on
 * 127.0.0.1 in one process, LAN preset. After the cluster converges, it
 * measures a steady-state window: CPU of the whole process, and packets and
 * bytes sent per member per second (from the members' own metrics).
 *
 * Usage: npx tsx bench/loopback.ts [--nodes 50] [--seconds 30]
 * Prints one JSON line.
 */
import { Context, Duration, Effect, Exit, Layer, Metric, Schema, Scope } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { counterTotal } from "../src/internal/metricTotal.js"

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const nodes = arg("nodes", 50)
const seconds = arg("seconds", 30)

class Bench extends Memberlist.Tag("bench/Loopback")<Bench, unknown>() {}

const start = (name: string, seeds: ReadonlyArray<Transport.Address>, scope: Scope.Scope) =>
  Effect.map(
    Layer.buildWithScope(
      Memberlist.layer(Bench, { messages: Schema.Unknown, leaveOnClose: false }).pipe(
        Layer.provide(Transport.layerNode),
        Layer.provide(Discovery.layer(Effect.succeed(seeds))),
        Layer.provide(SwimConfig.layer(SwimConfig.lan({ name, bindHost: "127.0.0.1", bindPort: 0 })))
      ),
      scope
    ),
    (context) => Context.get(context, Bench)
  )

/** Summed over the members in this process (each member has its own series). */
const counter = (metric: Metric.Metric.Counter<number>) => counterTotal(metric)

const program = Effect.gen(function*() {
  const scope = yield* Scope.make()
  const first = yield* start("bench-0", [], scope)
  const seed = (yield* first.localMember).address
  const rest = yield* Effect.forEach(Array.from({ length: nodes - 1 }, (_, i) => `bench-${i + 1}`), (n) => start(n, [seed], scope), {
    concurrency: 8
  })
  const members = [first, ...rest]
  const began = Date.now()
  for (;;) {
    const views = yield* Effect.forEach(members, (m) => m.members)
    if (views.every((v) => v.length === nodes)) break
    if (Date.now() - began > 120_000) return yield* Effect.fail(new Error("did not converge in 120 s"))
    yield* Effect.sleep(Duration.millis(200))
  }
  const convergedAfter = Date.now() - began
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
  const failed = (yield* Effect.forEach(members, (m) => m.members)).some((v) => v.length !== nodes)
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
