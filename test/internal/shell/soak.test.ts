/**
 * The leak soak: 100 members of the public layer on one memory network, on
 * virtual time, for many virtual minutes, the live heap sampled after a full
 * collection. Before the driver redesign every timer fiber was forked from the
 * previous one and carried its log-annotation stack along, so the heap of 100
 * real members grew without bound (73 to 111 MiB in 65 s). With one driver
 * fiber and one timer heap per member, the heap must stay flat once the
 * cluster has warmed up. Its own file, so its sizes and bounds can be tuned
 * alone.
 *
 * Virtual time here is `fastVirtualTime` rather than `TestClock`: TestClock
 * costs a few ms of wall time per completed sleep, and 100 members complete
 * about a thousand a virtual second. 100 members × 12 virtual minutes take
 * about 45 s of wall time on 2 shared cores.
 *
 * Measured (local preset, Node 20): about 73.5 MiB live after warm-up, then
 * within +0.7 MiB over 10 minutes and +0.5 MiB over 30 (SOAK_MINUTES=30), up
 * and down by 0.1-0.2 MiB from minute to minute. The band is 2 MiB or 5% of the first sample, the smaller. A leak of
 * one number per timer fired (8 bytes; some 12 timers fire per member per
 * second), added to driverLoop.ts as a check, grew the heap by 8.9 MiB in the
 * 10 minutes and failed the test from the third minute on. The leak this test
 * was written for grew the heap by 38 MiB in 65 s of real time.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import * as Discovery from "../../../src/Discovery.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"
import * as FastVirtualTime from "../../support/fastVirtualTime.js"
import { addressOf, Cluster, Note } from "../../support/virtualCluster.js"

const members = 100
const warmUpMinutes = 2
const minutes = Number(process.env.SOAK_MINUTES ?? 10)
/**
 * How far above the first sample after warm-up any later sample may be: 2 MiB, or 5% of that first sample
 * (issue 13's "flat within 5%") if that is less. With the ~73 MiB measured here, 2 MiB is the tighter one.
 */
const bandMiB = 2
const bandFraction = 0.05

setFlagsFromString("--expose-gc")
const gc: () => void = runInNewContext("gc")

/** The live heap after full collections, in MiB. */
const liveHeapMiB = Effect.sync(() => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
})

const start = (network: Transport.MemoryNetwork, i: number) =>
  Effect.map(
    Layer.build(
      Memberlist.layer(Cluster, { messages: Note, leaveOnClose: false, seed: i + 1 }).pipe(
        Layer.provide(network.layer(addressOf(i))),
        Layer.provide(Discovery.layer(Effect.succeed(i === 0 ? [] : [addressOf(0)]))),
        Layer.provide(SwimConfig.layer(SwimConfig.local({ name: `node-${i}`, bindHost: addressOf(i).host, bindPort: addressOf(i).port })))
      )
    ),
    (context) => Context.get(context, Cluster)
  )

const soak = Effect.scoped(
  Effect.gen(function*() {
    const started = performance.now()
    const network = Transport.makeMemoryNetwork()
    const all = yield* Effect.forEach(Array.from({ length: members }, (_, i) => i), (i) => start(network, i))
    for (let waited = 0;; waited += 100) {
      const views = yield* Effect.forEach(all, (m) => m.members)
      if (views.every((v) => v.length === members)) break
      if (waited > 60_000) return yield* Effect.fail(new Error("the members did not all see each other within 60 s"))
      yield* Effect.sleep(Duration.millis(100))
    }
    yield* Effect.sleep(Duration.minutes(warmUpMinutes))
    const samples: Array<number> = [yield* liveHeapMiB]
    for (let m = 1; m <= minutes; m++) {
      yield* Effect.sleep(Duration.minutes(1))
      samples.push(yield* liveHeapMiB)
    }
    const views = yield* Effect.forEach(all, (m) => m.members)
    const wallSeconds = (performance.now() - started) / 1000
    return { samples, wallSeconds, fullViews: views.filter((v) => v.length === members).length }
  })
)

describe("leak soak", () => {
  it(
    `${members} members × ${minutes} virtual minutes after ${warmUpMinutes} of warm-up: the live heap stays within ${bandMiB} MiB and ${bandFraction * 100}% above its first sample (measured: +0.7 MiB)`,
    async () => {
      const exit = await FastVirtualTime.run(soak)
      if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
      const { fullViews, samples, wallSeconds } = exit.value
      const first = samples[0]!
      console.log(
        `live heap after each virtual minute (MiB): ${samples.map((s) => s.toFixed(2)).join(" ")}; ` +
          `highest +${(Math.max(...samples) - first).toFixed(2)} MiB; ${wallSeconds.toFixed(0)} s wall`
      )
      expect(fullViews).toBe(members)
      const band = Math.min(bandMiB, first * bandFraction)
      for (const sample of samples) expect(sample - first).toBeLessThan(band)
    },
    300_000
  )
})
