import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Layer } from "effect"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { Cluster, Messages } from "./support/cluster.js"

/** Runs `layerFromEnv` against a fake environment. */
const fromEnv = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const saved = { ...process.env }
    for (const key of Object.keys(process.env)) if (key.startsWith("SWIM_")) delete process.env[key]
    Object.assign(process.env, env)
    const result = yield* Effect.either(Effect.provide(SwimConfig.SwimConfig, SwimConfig.layerFromEnv()))
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
    return result
  })

describe("SwimConfig", () => {
  it("presets carry memberlist's values", () => {
    const lan = SwimConfig.lan({ name: "a" })
    expect(Duration.toMillis(lan.probeInterval)).toBe(1000)
    expect(Duration.toMillis(lan.probeTimeout)).toBe(500)
    expect([lan.suspicionMult, lan.retransmitMult, lan.indirectChecks, lan.gossipNodes]).toEqual([4, 4, 3, 3])
    const wan = SwimConfig.wan({ name: "a" })
    expect([Duration.toMillis(wan.probeInterval), Duration.toMillis(wan.probeTimeout), wan.suspicionMult]).toEqual([5000, 3000, 6])
    const local = SwimConfig.local({ name: "a" })
    expect([Duration.toMillis(local.probeTimeout), local.indirectChecks, local.retransmitMult, local.bindHost]).toEqual([200, 1, 2, "127.0.0.1"])
  })

  it.effect("validate names the first bad field", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<[Partial<SwimConfig.SwimConfigShape>, string]> = [
        [{ name: "" }, "name"],
        [{ bindHost: "localhost" }, "bindHost"],
        [{ bindPort: 70000 }, "bindPort"],
        [{ probeTimeout: Duration.seconds(2) }, "probeTimeout"],
        [{ udpBufferSize: 100 }, "udpBufferSize"],
        [{ secretKeys: [new Uint8Array(10)] }, "secretKeys"],
        [{ label: "x".repeat(300) }, "label"],
        [{ protocolVersion: 9 }, "protocolVersion"]
      ]
      for (const [override, field] of cases) {
        const error = yield* Effect.flip(SwimConfig.validate(SwimConfig.lan({ name: "a", ...override })))
        expect(error.field).toBe(field)
        expect(error.reason).toBe("InvalidValue")
      }
    }))

  it.effect("reads the environment: preset, then overrides", () =>
    Effect.gen(function*() {
      const ok = yield* fromEnv({
        SWIM_NAME: "n1",
        SWIM_PRESET: "wan",
        SWIM_BIND_ADDRESS: "127.0.0.1",
        SWIM_BIND_PORT: "7001",
        SWIM_PROBE_INTERVAL: "6 seconds",
        SWIM_SECRET_KEYS: `${Buffer.alloc(16, 1).toString("base64")}, ${Buffer.alloc(32, 2).toString("base64")}`
      })
      const config = Either.getOrThrow(ok)
      expect(config.name).toBe("n1")
      expect(config.bindPort).toBe(7001)
      expect(Duration.toMillis(config.probeInterval)).toBe(6000)
      expect(Duration.toMillis(config.probeTimeout)).toBe(3000)
      expect(config.secretKeys.map((k) => k.length)).toEqual([16, 32])
    }))

  it.effect("an invalid or missing variable is an error naming it", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<[Record<string, string>, string]> = [
        [{}, "SWIM_NAME"],
        [{ SWIM_NAME: "a", SWIM_BIND_PORT: "abc" }, "SWIM_BIND_PORT"],
        [{ SWIM_NAME: "a", SWIM_BIND_ADDRESS: "example.com" }, "SWIM_BIND_ADDRESS"],
        [{ SWIM_NAME: "a", SWIM_PROBE_INTERVAL: "fast" }, "SWIM_PROBE_INTERVAL"],
        [{ SWIM_NAME: "a", SWIM_PRESET: "galactic" }, "SWIM_PRESET"],
        [{ SWIM_NAME: "a", SWIM_SECRET_KEYS: "AAAA" }, "SWIM_SECRET_KEYS"],
        [{ SWIM_NAME: "a", SWIM_SECRET_KEYS: "AAAAAAAAAAAAAAAAAAAAAA==junk!!" }, "SWIM_SECRET_KEYS"],
        [{ SWIM_NAME: "a", SWIM_SECRET_KEYS: "AAAAAAAAAAAAAAAAAAAAAA" }, "SWIM_SECRET_KEYS"], // unpadded
        [{ SWIM_NAME: "a", SWIM_PROBE_TIMEOUT: "5 seconds" }, "SWIM_PROBE_TIMEOUT"]
      ]
      for (const [env, variable] of cases) {
        const result = yield* fromEnv(env)
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result)) {
          expect(result.left.field).toBe(variable)
          expect(result.left.message).toContain(variable)
        }
      }
    }))

  it.live("a bad configuration fails the member before anything binds", () =>
    Effect.gen(function*() {
      const port = 17_995
      const bad = Memberlist.layer(Cluster, { messages: Messages }).pipe(
        Layer.provide(Transport.layerNode),
        Layer.provide(Discovery.layer(Effect.succeed([]))),
        Layer.provide(SwimConfig.layerConfig()),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({
          name: "a",
          bindAddress: "127.0.0.1",
          bindPort: port,
          probeTimeout: "3 seconds"
        })))
      )
      const error = yield* Effect.flip(Effect.scoped(Layer.build(bad)))
      expect(error._tag).toBe("SwimConfigError")
      // Nothing was bound: the port is free.
      yield* Effect.scoped(Transport.makeNode({ host: "127.0.0.1", port }))
    }))
})
