/**
 * `Memberlist.layerNode`: a member as one layer, its configuration,
 * discovery and transport given as values or effects. It starts the member
 * `Memberlist.layer` with three `Layer.provide` starts, for a sixth of the
 * interpreter steps (docs/performance.md, "Member start-up, fifth pass"):
 * Effect memoizes each layer of a graph and each `Layer.provide` adds four.
 * `Memberlist.makeNode` is the same as a scoped effect, with no layer at all.
 */
import { describe, expect, it } from "@effect/vitest"
import { type ConfigError, ConfigProvider, Context, Effect, Exit, Layer, Schedule, Schema, Scope } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { countSteps } from "./support/stepCount.js"

class Cluster extends Memberlist.Tag("test/layerNode/Cluster")<Cluster, string>() {}

const local = (name: string, bindPort = 0) => SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort })
const quiet = { messages: Schema.String, leaveOnClose: false } as const

/** Builds `layer` in a scope of its own: the member, the scope, and the interpreter steps the build took. */
const started = <E>(layer: Layer.Layer<Cluster, E>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const { steps, value } = yield* countSteps(Layer.buildWithScope(layer, scope))
    return { member: Context.get(value, Cluster), scope, steps }
  })

/** Asks `member` for the names it knows, up to 50 times 100 ms apart, until there are `count`. */
const namesOnce = (member: Memberlist.Memberlist<string>, count: number) =>
  member.members.pipe(
    Effect.map((members) => members.map((m) => m.name).sort()),
    Effect.filterOrFail((names) => names.length === count),
    Effect.retry({ times: 50, schedule: Schedule.spaced("100 millis") }),
    Effect.orElse(() => Effect.map(member.members, (members) => members.map((m) => m.name).sort()))
  )

describe("Memberlist.layerNode", () => {
  it("needs nothing from the context when given values, and fails with what its effects fail with", () => {
    const fromValues: Layer.Layer<Cluster, Memberlist.StartError | SwimConfig.SwimConfigError | Transport.TransportError> =
      Memberlist.layerNode(Cluster, { ...quiet, config: local("types"), discovery: Discovery.make(Effect.succeed([])) })
    const fromEffects: Layer.Layer<
      Cluster,
      Memberlist.StartError | SwimConfig.SwimConfigError | Transport.TransportError | ConfigError.ConfigError | Discovery.DiscoveryError
    > = Memberlist.layerNode(Cluster, {
      ...quiet,
      config: SwimConfig.config,
      discovery: Discovery.makeStatic(["127.0.0.1:7946"]),
      transport: Transport.makeNode({ host: "127.0.0.1", port: 0 })
    })
    expect(Layer.isLayer(fromValues) && Layer.isLayer(fromEffects)).toBe(true)
  })

  it.live("starts a member in under 205 interpreter steps (247 before session 10, 214 before session 11), where the three-provide composition takes over 1,000", () =>
    Effect.gen(function*() {
      const one = yield* started(Memberlist.layerNode(Cluster, { ...quiet, config: local("steps-one") }))
      const four = yield* started(
        Memberlist.layer(Cluster, quiet).pipe(
          Layer.provide(Discovery.static([])),
          Layer.provide(Transport.layerNode),
          Layer.provide(SwimConfig.layer(local("steps-four")))
        )
      )
      // Both are the same member: alone, on a port of their own.
      expect((yield* one.member.members).map((m) => m.name)).toEqual(["steps-one"])
      expect((yield* four.member.members).map((m) => m.name)).toEqual(["steps-four"])
      expect(one.steps).toBeLessThan(205)
      expect(four.steps).toBeGreaterThan(1_000)
      yield* Scope.close(one.scope, Exit.void)
      yield* Scope.close(four.scope, Exit.void)
    }))

  it.live("Memberlist.makeNode, the effect behind it, starts a member in its scope in under 95 steps (135 before session 10, 102 before session 11), with no layer", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { steps, value: member } = yield* countSteps(
        Scope.extend(Memberlist.makeNode({ ...quiet, config: local("bare", 17_987) }), scope)
      )
      expect((yield* member.localMember).address).toEqual({ host: "127.0.0.1", port: 17_987 })
      expect(steps).toBeLessThan(95)
      yield* Scope.close(scope, Exit.void)
      yield* Effect.scoped(Transport.makeNode({ host: "127.0.0.1", port: 17_987 }))
    }))

  it.live("binds its Node transport on the configured port, joins through its discovery, and frees the port on close", () =>
    Effect.gen(function*() {
      const alice = yield* started(Memberlist.layerNode(Cluster, { ...quiet, config: local("alice", 17_981) }))
      const bob = yield* started(Memberlist.layerNode(Cluster, {
        ...quiet,
        requireJoin: true,
        config: local("bob"),
        discovery: Discovery.makeStatic(["127.0.0.1:17981"])
      }))
      expect((yield* alice.member.localMember).address).toEqual({ host: "127.0.0.1", port: 17_981 })
      expect(yield* namesOnce(bob.member, 2)).toEqual(["alice", "bob"])
      expect(yield* namesOnce(alice.member, 2)).toEqual(["alice", "bob"])
      yield* Scope.close(bob.scope, Exit.void)
      yield* Scope.close(alice.scope, Exit.void)
      // Closed: TCP and UDP on 17981 are free again.
      yield* Effect.scoped(Transport.makeNode({ host: "127.0.0.1", port: 17_981 }))
    }))

  it.live("with no discovery a member starts alone, and a failing discovery fails the layer", () =>
    Effect.gen(function*() {
      const alone = yield* started(Memberlist.layerNode(Cluster, { ...quiet, requireJoin: true, config: local("alone") }))
      expect((yield* alone.member.members).map((m) => m.name)).toEqual(["alone"])
      yield* Scope.close(alone.scope, Exit.void)
      const refused = yield* Effect.flip(Effect.scoped(Layer.build(Memberlist.layerNode(Cluster, {
        ...quiet,
        config: local("typo"),
        discovery: Discovery.makeStatic(["127.0.0.1:not-a-port"])
      }))))
      expect(refused._tag).toBe("DiscoveryError")
    }))

  it.live("reads its configuration from an effect, validated before anything binds", () =>
    Effect.gen(function*() {
      const port = 17_983
      const fromProvider = (values: Record<string, unknown>) =>
        Memberlist.layerNode(Cluster, { ...quiet, config: SwimConfig.config }).pipe(
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson(values)))
        )
      const error = yield* Effect.flip(Effect.scoped(Layer.build(fromProvider({
        name: "bad",
        bindAddress: "127.0.0.1",
        bindPort: port,
        probeTimeout: "3 seconds"
      }))))
      expect(error._tag).toBe("SwimConfigError")
      // Nothing was bound: the port is free, and a valid configuration binds it.
      const good = yield* started(fromProvider({ name: "good", bindAddress: "127.0.0.1", bindPort: port }))
      expect(yield* good.member.localMember).toMatchObject({ name: "good", address: { host: "127.0.0.1", port } })
      yield* Scope.close(good.scope, Exit.void)
    }))

  it.live("SwimConfig.fromEnv reads the variables layerFromEnv reads", () =>
    Effect.gen(function*() {
      process.env.LAYERNODE_NAME = "from-env"
      process.env.LAYERNODE_BIND_ADDRESS = "127.0.0.1"
      process.env.LAYERNODE_BIND_PORT = "17985"
      const env = yield* started(Memberlist.layerNode(Cluster, { ...quiet, config: SwimConfig.fromEnv("layernode") })).pipe(
        Effect.ensuring(Effect.sync(() => {
          delete process.env.LAYERNODE_NAME
          delete process.env.LAYERNODE_BIND_ADDRESS
          delete process.env.LAYERNODE_BIND_PORT
        }))
      )
      expect(yield* env.member.localMember).toMatchObject({ name: "from-env", address: { host: "127.0.0.1", port: 17_985 } })
      yield* Scope.close(env.scope, Exit.void)
    }))

  it.live("takes another transport, made in the layer's scope and released after the member", () =>
    Effect.gen(function*() {
      const network = Transport.makeMemoryNetwork()
      const address = { host: "10.0.0.1", port: 7946 }
      const one = yield* started(Memberlist.layerNode(Cluster, {
        ...quiet,
        config: SwimConfig.local({ name: "memory", bindHost: "10.0.0.1", bindPort: 7946 }),
        transport: network.make(address)
      }))
      expect((yield* one.member.localMember).address).toEqual(address)
      expect(yield* network.members).toEqual([address])
      yield* Scope.close(one.scope, Exit.void)
      expect(yield* network.members).toEqual([])
    }))
})
