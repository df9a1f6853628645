/**
 * One transport per member, on real sockets. Several members merged in one
 * layer graph, each given `Transport.layerNode`, would share the one
 * transport Effect builds for that layer value: the second member must fail
 * at once, saying so. `Layer.fresh(Transport.layerNode)` gives each member
 * its own sockets, and they form a cluster.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Duration, Effect, Exit, Layer, Option, Schema } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { eventually } from "./support/cluster.js"

class Note extends Schema.TaggedClass<Note>()("Note", { n: Schema.Number }) {}
class A extends Memberlist.Tag("test/A")<A, Note>() {}
class B extends Memberlist.Tag("test/B")<B, Note>() {}
class C extends Memberlist.Tag("test/C")<C, Note>() {}
const names = ["a", "b", "c"]

type TransportLayer = Layer.Layer<Transport.Transport, Transport.TransportError, SwimConfig.SwimConfig>

/** A member under its own tag and its own config (so its own name and port 0), with the transport layer given. */
const member = <Self>(tag: Context.Tag<Self, Memberlist.Memberlist<Note>>, name: string, transport: TransportLayer) =>
  Memberlist.layer(tag, { messages: Note }).pipe(
    Layer.provide(transport),
    Layer.provide(Discovery.layer(Effect.succeed([]))),
    Layer.provide(SwimConfig.layer(SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0 })))
  )

/** Members a, b and c merged in one layer graph, each given the transport layer `transport()` returns. */
const threeMembers = (transport: () => TransportLayer) =>
  Layer.mergeAll(member(A, "a", transport()), member(B, "b", transport()), member(C, "c", transport()))

describe("one transport per member", () => {
  it.live("three members merged in one graph, each given Transport.layerNode: building fails at once with TransportInUse", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(threeMembers(() => Transport.layerNode)).pipe(
        Effect.scoped,
        Effect.timeout(Duration.seconds(10)),
        Effect.exit
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
      if (error?._tag !== "TransportInUse") return expect.fail(`expected TransportInUse, got ${String(error)}`)
      expect(error.address.host).toBe("127.0.0.1")
      expect(error.address.port).toBeGreaterThan(0)
      expect(names).toContain(error.member)
      expect(error.message).toContain(`127.0.0.1:${error.address.port}`)
      expect(error.message).toContain("Layer.fresh(Transport.layerNode)")
    }), 30_000)

  it.live("the documented way, Layer.fresh(Transport.layerNode) for each: three sockets, and all three see all three", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(threeMembers(() => Layer.fresh(Transport.layerNode)))
      const members = [Context.get(context, A), Context.get(context, B), Context.get(context, C)]
      const addresses = yield* Effect.forEach(members, (m) => Effect.map(m.localMember, (local) => local.address))
      expect(new Set(addresses.map((a) => a.port)).size).toBe(3)
      yield* Effect.forEach(members.slice(1), (m) => m.join([addresses[0]!]))
      yield* eventually(
        Effect.map(Effect.forEach(members, (m) => m.members), (views) =>
          views.every((view) => view.filter((m) => m.state === "alive").map((m) => m.name).sort().join() === names.join())),
        Duration.seconds(10),
        "all three see all three alive"
      )
    }).pipe(Effect.scoped), 60_000)
})
