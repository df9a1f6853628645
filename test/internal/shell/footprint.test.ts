/**
 * What one member keeps running (docs/performance.md, "Memory per member"):
 * on the Node transport, whose fast path hands packets and accepted streams
 * to callbacks, a member needs no fiber parked on a stream, and none for the
 * application's state when it has no merge hook. Every fiber a parked stream
 * reader keeps costs some 20 KiB of continuations and channel executors, so
 * the count of live fibers per member is what this file bounds: the driver
 * loop (the sender forks a drain only while its outbox holds packets).
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, type Fiber, Layer, Schema, type Scope, Supervisor } from "effect"
import * as Discovery from "../../../src/Discovery.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"
import { eventually } from "../../support/cluster.js"

class A extends Memberlist.Tag("test/footprint/A")<A, string>() {}
class B extends Memberlist.Tag("test/footprint/B")<B, string>() {}

/** Fibers a member on the Node transport keeps once started and joined. */
const maxFibersPerMember = 1

const member = <Self>(tag: Context.Tag<Self, Memberlist.Memberlist<string>>, name: string) =>
  Memberlist.layer(tag, { messages: Schema.String, leaveOnClose: false }).pipe(
    Layer.provide(Layer.fresh(Transport.layerNode)),
    Layer.provide(Discovery.layer(Effect.succeed([]))),
    Layer.provide(SwimConfig.layer(SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0 })))
  )

/** Builds `layer` in `scope` with every fiber it forks tracked by `supervisor`. */
const tracked = <S>(
  layer: Layer.Layer<S, unknown>,
  scope: Scope.Scope,
  supervisor: Supervisor.Supervisor<Array<Fiber.RuntimeFiber<any, any>>>
) => Layer.buildWithScope(layer, scope).pipe(Effect.supervised(supervisor))

describe("fibers per member", () => {
  it.live("two members on the Node transport, joined over a stream: each keeps at most 1 live fiber", () =>
    Effect.scoped(Effect.gen(function*() {
      const scope = yield* Effect.scope
      const fibersOfA = yield* Supervisor.track
      const fibersOfB = yield* Supervisor.track
      const a = Context.get(yield* tracked(member(A, "a"), scope, fibersOfA), A)
      const b = Context.get(yield* tracked(member(B, "b"), scope, fibersOfB), B)
      // The join is a push/pull: a serves the stream b opens, through the accept callback.
      yield* b.join([(yield* a.localMember).address])
      yield* eventually(Effect.map(a.members, (ms) => ms.length === 2), Duration.seconds(10), "a sees b")
      // Let the fibers of the exchange end.
      yield* Effect.sleep(Duration.millis(200))
      expect((yield* fibersOfA.value).length).toBeLessThanOrEqual(maxFibersPerMember)
      expect((yield* fibersOfB.value).length).toBeLessThanOrEqual(maxFibersPerMember)
      // Something was tracked: the bound is on real fibers, not on an empty supervisor.
      expect((yield* fibersOfA.value).length).toBeGreaterThan(0)
    })))
})
