/**
 * `alignedProbing` (docs/detection.md): on in every preset, off by option
 * or by configuration, and handed to the core as given.
 */
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as SwimConfig from "../src/SwimConfig.js"

describe("SwimConfig.alignedProbing", () => {
  it("is on in every preset and can be turned off as an option", () => {
    for (const preset of Object.values(SwimConfig.presets)) {
      expect(preset({ name: "a" }).alignedProbing).toBe(true)
      expect(preset({ name: "a", alignedProbing: false }).alignedProbing).toBe(false)
    }
  })

  it.effect("is read from configuration, defaulting to the preset's", () =>
    Effect.gen(function*() {
      const off = yield* Effect.withConfigProvider(SwimConfig.config, ConfigProvider.fromJson({ name: "a", alignedProbing: false }))
      expect(off.alignedProbing).toBe(false)
      const unset = yield* Effect.withConfigProvider(SwimConfig.config, ConfigProvider.fromJson({ name: "a" }))
      expect(unset.alignedProbing).toBe(true)
    }))
})
