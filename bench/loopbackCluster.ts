/**
 * N members over real UDP/TCP on 127.0.0.1 in one process, LAN preset,
 * joined through the first and converged: what the loopback benchmarks
 * measure a steady window of.
 */
import { Context, Duration, Effect, Layer, Schema, Scope } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"

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

/**
 * Starts `nodes` members in `scope` (bench-0 first, the rest joining through it, `concurrency` at
 * a time) and waits until every one sees all (at most 120 s).
 */
export const startConverged = (nodes: number, scope: Scope.Scope, concurrency: number) =>
  Effect.gen(function*() {
    const first = yield* start("bench-0", [], scope)
    const seed = (yield* first.localMember).address
    const rest = yield* Effect.forEach(
      Array.from({ length: nodes - 1 }, (_, i) => `bench-${i + 1}`),
      (n) => start(n, [seed], scope),
      { concurrency }
    )
    const members = [first, ...rest]
    const began = Date.now()
    for (;;) {
      const views = yield* Effect.forEach(members, (m) => m.members)
      if (views.every((v) => v.length === nodes)) break
      if (Date.now() - began > 120_000) return yield* Effect.fail(new Error("did not converge in 120 s"))
      yield* Effect.sleep(Duration.millis(200))
    }
    return { members, convergedAfter: Date.now() - began }
  })

/** Whether some member lost sight of another. */
export const anyLost = (members: ReadonlyArray<Memberlist.Memberlist<unknown>>, nodes: number) =>
  Effect.map(Effect.forEach(members, (m) => m.members), (views) => views.some((v) => v.length !== nodes))
