import { describe, expect, it } from "@effect/vitest"
import { Reconvergence } from "../../../src/internal/simulation/reconvergence.js"
import { Seen, ViewTracker } from "../../../src/internal/simulation/tracker.js"

describe("Reconvergence", () => {
  it("resolves a mark once every up node has a full view after it", () => {
    const tracker = new ViewTracker(2)
    tracker.setUp(0, true, 0)
    tracker.setUp(1, true, 0)
    const marks = new Reconvergence(tracker)
    marks.mark("kill:1@1s", 100)
    marks.resolve()
    expect(marks.reports()).toEqual([{ action: "kill:1@1s", at: 100, reconverged: undefined }])
    for (const o of [0, 1]) for (const s of [0, 1]) tracker.set(o, s, Seen.Alive, 250)
    marks.resolve()
    expect(marks.reports()).toEqual([{ action: "kill:1@1s", at: 100, reconverged: 150 }])
  })
})
