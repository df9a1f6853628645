/**
 * `effect-memberlist demo`, the README's main command (`npm start`): the
 * members meet, one is crashed, every survivor marks it dead, exit code 0.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { killLeftover, startCli } from "./cliChild.js"

afterEach(killLeftover)

describe("demo", () => {
  it("three members meet, the crashed one is marked dead by both survivors, and the command exits 0", async () => {
    const demo = startCli(["demo", "--nodes", "3"])
    const { code } = await demo.exited
    expect({ code, stderr: demo.output.stderr }).toEqual({ code: 0, stderr: "" })
    expect(demo.output.stdout).toContain("All 3 members see each other after")
    expect(demo.output.stdout).toContain("Crashing node-1 (no goodbye)")
    expect(demo.output.stdout).toMatch(/Every survivor marked node-1 dead [\d.]+ s after the crash\./)
  }, 90_000)
})
