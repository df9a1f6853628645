/**
 * `alignedProbing` (docs/detection.md): off in every preset, on by option
 * or by configuration, and handed to the core as given.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as SwimConfig from "../src/SwimConfig.js"

describe("SwimConfig.alignedProbing", () => {
  it("is off in every preset and can be turned on as an option", () => {
    for (const preset of Object.values(SwimConfig.presets)) {
      expect(preset({ name: "a" }).alignedProbing).toBe(false)
      expect(preset({ name: "a", alignedProbing: true }).alignedProbing).toBe(true)
    }
  })

  it.effect("is read from configuration, defaulting to the preset's", () =>
    Effect.gen(function*() {
      const on = yield* Effect.withConfigProvider(SwimConfig.config, ConfigProvider.fromJson({ name: "a", alignedProbing: true }))
      expect(on.alignedProbing).toBe(true)
      const unset = yield* Effect.withConfigProvider(SwimConfig.config, ConfigProvider.fromJson({ name: "a" }))
      expect(unset.alignedProbing).toBe(false)
    }))
})
