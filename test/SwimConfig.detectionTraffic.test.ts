/**
 * `verifySuspects` and `repeatDirectPing` (docs/detection.md, "What
 * detection traffic buys"): on in every preset, off by option, by
 * configuration or from the environment, and checked to be booleans.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import * as SwimConfig from "../src/SwimConfig.js"
import { fromEnv } from "./support/swimEnv.js"

const fields = ["verifySuspects", "repeatDirectPing"] as const

describe("SwimConfig detection traffic choices", () => {
  it("are on in every preset and can be turned off as options", () => {
    for (const preset of Object.values(SwimConfig.presets)) {
      for (const field of fields) {
        expect(preset({ name: "a" })[field]).toBe(true)
        expect(preset({ name: "a", [field]: false })[field]).toBe(false)
      }
    }
  })

  it.effect("are read from configuration, defaulting to the preset's", () =>
    Effect.gen(function*() {
      const off = yield* Effect.withConfigProvider(
        SwimConfig.config,
        ConfigProvider.fromJson({ name: "a", verifySuspects: false, repeatDirectPing: false })
      )
      expect([off.verifySuspects, off.repeatDirectPing]).toEqual([false, false])
      const unset = yield* Effect.withConfigProvider(SwimConfig.config, ConfigProvider.fromJson({ name: "a" }))
      expect([unset.verifySuspects, unset.repeatDirectPing]).toEqual([true, true])
    }))

  it.effect("are read from SWIM_VERIFY_SUSPECTS and SWIM_REPEAT_DIRECT_PING; a non-boolean names its variable", () =>
    Effect.gen(function*() {
      expect(SwimConfig.environmentVariable(["swim", "verifySuspects"])).toBe("SWIM_VERIFY_SUSPECTS")
      expect(SwimConfig.environmentVariable(["swim", "repeatDirectPing"])).toBe("SWIM_REPEAT_DIRECT_PING")
      const off = yield* fromEnv({ SWIM_NAME: "a", SWIM_VERIFY_SUSPECTS: "false", SWIM_REPEAT_DIRECT_PING: "false" })
      expect(Either.isRight(off) && [off.right.verifySuspects, off.right.repeatDirectPing]).toEqual([false, false])
      const bad = yield* fromEnv({ SWIM_NAME: "a", SWIM_REPEAT_DIRECT_PING: "sometimes" })
      expect(Either.isLeft(bad) && bad.left.field).toBe("SWIM_REPEAT_DIRECT_PING")
    }))

  it.effect("validation refuses a value that is not a boolean, naming the field", () =>
    Effect.gen(function*() {
      for (const field of fields) {
        const untyped = { ...SwimConfig.lan({ name: "a" }), [field]: "false" } as unknown as SwimConfig.SwimConfigShape
        const result = yield* Effect.either(SwimConfig.validate(untyped))
        expect(Either.isLeft(result) && [result.left.field, result.left.reason]).toEqual([field, "InvalidValue"])
      }
      const valid = yield* SwimConfig.validate(SwimConfig.lan({ name: "a", verifySuspects: false }))
      expect(valid.verifySuspects).toBe(false)
    }))
})
