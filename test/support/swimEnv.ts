/**
 * Runs `SwimConfig.layerFromEnv` against a fake environment: every `SWIM_`
 * variable of the real one is hidden for the call and restored after.
 */
import { Effect } from "effect"
import * as SwimConfig from "../../src/SwimConfig.js"

export const fromEnv = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const saved = { ...process.env }
    for (const key of Object.keys(process.env)) if (key.startsWith("SWIM_")) delete process.env[key]
    Object.assign(process.env, env)
    const result = yield* Effect.either(Effect.provide(SwimConfig.SwimConfig, SwimConfig.layerFromEnv()))
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
    return result
  })
