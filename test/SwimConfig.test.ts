import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Layer, Logger, Redacted } from "effect"
import { inspect } from "node:util"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { Cluster, Messages } from "./support/cluster.js"
import { fromEnv } from "./support/swimEnv.js"

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
        [{ secretKeys: [Redacted.make(new Uint8Array(10))] }, "secretKeys"],
        [{ label: "x".repeat(300) }, "label"],
        [{ protocolVersion: 9 }, "protocolVersion"],
        [{ packetCrc: "sometimes" as never }, "packetCrc"]
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
        SWIM_PACKET_CRC: "never",
        SWIM_SECRET_KEYS: `${Buffer.alloc(16, 1).toString("base64")}, ${Buffer.alloc(32, 2).toString("base64")}`
      })
      const config = Either.getOrThrow(ok)
      expect(config.name).toBe("n1")
      expect(config.bindPort).toBe(7001)
      expect(Duration.toMillis(config.probeInterval)).toBe(6000)
      expect(Duration.toMillis(config.probeTimeout)).toBe(3000)
      expect(config.packetCrc).toBe("never")
      expect(config.secretKeys.map((k) => Redacted.value(k).length)).toEqual([16, 32])
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
        [{ SWIM_NAME: "a", SWIM_PROBE_TIMEOUT: "5 seconds" }, "SWIM_PROBE_TIMEOUT"],
        [{ SWIM_NAME: "a", SWIM_PACKET_CRC: "sometimes" }, "SWIM_PACKET_CRC"]
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

  describe("secret keys are Redacted", () => {
    // Bytes no other field holds, so any form of them in the output is the key leaking.
    const raw = Uint8Array.from({ length: 32 }, (_, i) => 200 + (i % 50))
    const forms = [
      Buffer.from(raw).toString("base64"),
      Buffer.from(raw).toString("hex"),
      Array.from(raw).join(","),
      Array.from(raw).join(", "),
      Array.from(raw).join(" ")
    ]
    const leaks = (text: string) => forms.filter((form) => text.includes(form))

    /** Everything a config turns into when printed, inspected, serialised or logged. */
    const printed = (config: SwimConfig.SwimConfigShape) =>
      Effect.gen(function*() {
        const logged: Array<string> = []
        const capture = Logger.make((options) => {
          logged.push(Logger.stringLogger.log(options), Logger.logfmtLogger.log(options), JSON.stringify(Logger.structuredLogger.log(options)))
        })
        yield* Effect.log("config", config).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
        return [
          JSON.stringify(config),
          String(config),
          `${config.secretKeys}`,
          String(config.secretKeys[0]),
          inspect(config, { depth: 10 }),
          inspect(config.secretKeys, { depth: 10, showHidden: true }),
          ...logged
        ]
      })

    it.effect("a preset wraps raw keys: printing, inspecting, JSON and logs show no key bytes", () =>
      Effect.gen(function*() {
        const config = SwimConfig.local({ name: "a", secretKeys: [raw] })
        expect(Redacted.isRedacted(config.secretKeys[0])).toBe(true)
        // The check can fail: the same output with the bytes in the clear leaks every form.
        expect(leaks(JSON.stringify({ ...config, secretKeys: [Array.from(raw).join(",")] }))).not.toEqual([])
        for (const text of yield* printed(config)) expect(leaks(text)).toEqual([])
        expect(Redacted.value(config.secretKeys[0]!)).toEqual(raw)
        yield* SwimConfig.validate(config)
      }))

    it.effect("SWIM_SECRET_KEYS is read as Config.redacted: the config shows no key bytes, nor does an error", () =>
      Effect.gen(function*() {
        const text = Buffer.from(raw).toString("base64")
        const config = Either.getOrThrow(yield* fromEnv({ SWIM_NAME: "n1", SWIM_SECRET_KEYS: text }))
        expect(Redacted.value(config.secretKeys[0]!)).toEqual(raw)
        for (const out of yield* printed(config)) expect(leaks(out)).toEqual([])
        // A key with a bad tail is refused without echoing what was given.
        const bad = yield* fromEnv({ SWIM_NAME: "n1", SWIM_SECRET_KEYS: `${text}, ${text}!!` })
        expect(Either.isLeft(bad)).toBe(true)
        if (Either.isLeft(bad)) {
          expect(bad.left.field).toBe("SWIM_SECRET_KEYS")
          expect(bad.left.message).toContain("secret key 2")
          expect(leaks(bad.left.message + JSON.stringify(bad.left))).toEqual([])
        }
      }))

    it.effect("validate refuses a raw key smuggled past the types", () =>
      Effect.gen(function*() {
        const smuggled = { ...SwimConfig.local({ name: "a" }), secretKeys: [raw] } as unknown as SwimConfig.SwimConfigShape
        const error = yield* Effect.flip(SwimConfig.validate(smuggled))
        expect(error.field).toBe("secretKeys")
      }))
  })

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

  it.effect("validation refuses a switch that is not a boolean, naming the field", () =>
    Effect.gen(function*() {
      const switches = ["tcpPingFallback", "alignedProbing", "coverageFloor", "compression"] as const
      for (const field of switches) {
        // An untyped caller's "false" would read as on if validation let it through.
        const untyped = { ...SwimConfig.lan({ name: "a" }), [field]: "false" } as unknown as SwimConfig.SwimConfigShape
        const result = yield* Effect.either(SwimConfig.validate(untyped))
        expect(Either.isLeft(result) && [result.left.field, result.left.reason]).toEqual([field, "InvalidValue"])
        const valid = yield* SwimConfig.validate({ ...SwimConfig.lan({ name: "a" }), [field]: false })
        expect(valid[field]).toBe(false)
      }
    }))
})
