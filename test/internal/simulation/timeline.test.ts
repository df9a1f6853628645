import { describe, expect, it } from "@effect/vitest"
import { Timeline } from "../../../src/internal/simulation/timeline.js"

describe("Timeline", () => {
  it("runs callbacks by time, same-time ones in the order scheduled, including ones scheduled while running", () => {
    const timeline = new Timeline(1000)
    const ran: Array<string> = []
    timeline.at(50, () => ran.push("b"))
    timeline.at(0, () => {
      ran.push("a")
      // Due at the same time as "c" but scheduled after it: runs after it.
      timeline.at(50, () => ran.push("d"))
    })
    timeline.at(50, () => ran.push("c"))
    expect(timeline.nextAt).toBe(1000)
    while (timeline.nextAt !== Infinity) timeline.runNext()
    expect(ran).toEqual(["a", "b", "c", "d"])
  })
})
