import { describe, expect, it } from "@effect/vitest"
import { applyAwarenessDelta, scaleByAwareness } from "../../../src/internal/swim/awareness.js"

describe("applyAwarenessDelta: the score stays in [0, max - 1]", () => {
  it("adds and subtracts within range", () => {
    expect(applyAwarenessDelta(0, 1, 8)).toBe(1)
    expect(applyAwarenessDelta(3, 2, 8)).toBe(5)
    expect(applyAwarenessDelta(5, -1, 8)).toBe(4)
    expect(applyAwarenessDelta(4, 0, 8)).toBe(4)
  })

  it("never goes below 0", () => {
    expect(applyAwarenessDelta(0, -1, 8)).toBe(0)
    expect(applyAwarenessDelta(2, -5, 8)).toBe(0)
  })

  it("never goes above max - 1", () => {
    expect(applyAwarenessDelta(7, 1, 8)).toBe(7)
    expect(applyAwarenessDelta(5, 3, 8)).toBe(7)
    expect(applyAwarenessDelta(0, 100, 3)).toBe(2)
  })

  it("is pinned at 0 with a multiplier of 1 (awareness off)", () => {
    expect(applyAwarenessDelta(0, 5, 1)).toBe(0)
  })
})

describe("scaleByAwareness: timeout × (score + 1)", () => {
  it("leaves the timeout alone at score 0 and multiplies it above", () => {
    expect(scaleByAwareness(1000, 0)).toBe(1000)
    expect(scaleByAwareness(1000, 1)).toBe(2000)
    expect(scaleByAwareness(500, 7)).toBe(4000)
  })
})
