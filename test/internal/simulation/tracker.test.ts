import { describe, expect, it } from "@effect/vitest"
import { Seen, ViewTracker } from "../../../src/internal/simulation/tracker.js"
import { makeRng, nextInt } from "../../../src/internal/swim/random.js"

describe("ViewTracker", () => {
  it("counts views by hand on three nodes", () => {
    const t = new ViewTracker(3)
    for (let i = 0; i < 3; i++) t.setUp(i, true, 0)
    t.startPhase(0)
    expect(t.convergedFraction()).toBe(0)
    // Each node sees itself.
    for (let i = 0; i < 3; i++) t.set(i, i, Seen.Alive, 0)
    expect(t.correctFraction()).toBeCloseTo(3 / 9)
    // node 0 learns 1 and 2 at t=10: it alone has the full view.
    t.set(0, 1, Seen.Alive, 10)
    t.set(0, 2, Seen.Alive, 10)
    expect(t.convergedFraction()).toBeCloseTo(1 / 3)
    expect(t.halfConvergedAt).toBeUndefined()
    t.set(1, 0, Seen.Alive, 20)
    t.set(1, 2, Seen.Alive, 20)
    expect(t.halfConvergedAt).toBe(20)
    t.set(2, 0, Seen.Alive, 30)
    t.set(2, 1, Seen.Suspect, 30)
    expect(t.allConvergedAt).toBeUndefined()
    t.set(2, 1, Seen.Alive, 40)
    expect(t.allConvergedAt).toBe(40)
    expect(Array.from(t.convergedAt)).toEqual([10, 20, 40])
    // Node 2 dies at 100: nobody is right any more until they see it dead.
    t.setUp(2, false, 100)
    expect(t.upCount).toBe(2)
    expect(t.convergedFraction()).toBe(0)
    t.set(0, 2, Seen.Suspect, 110)
    t.set(0, 2, Seen.Dead, 120)
    expect(t.detections[0]!.allAt).toBeUndefined()
    t.set(1, 2, Seen.Left, 130)
    expect(t.detections[0]).toMatchObject({ subject: 2, at: 100, allAt: 130 })
    expect(t.convergedFraction()).toBe(1)
    // Restart with an empty view.
    t.setUp(2, true, 200)
    t.resetRow(2, 200)
    expect(t.convergedFraction()).toBe(0)
  })

  it("incremental counts equal a recount after random updates", () => {
    const n = 9
    const t = new ViewTracker(n)
    const rng = makeRng(5)
    for (let step = 0; step < 5000; step++) {
      const r = nextInt(rng, 100)
      if (r < 5) t.setUp(nextInt(rng, n), nextInt(rng, 2) === 0, step)
      else if (r < 6) t.resetRow(nextInt(rng, n), step)
      else t.set(nextInt(rng, n), nextInt(rng, n), nextInt(rng, 5), step)
      if (step % 97 === 0) {
        const c = t.recount()
        expect(t.upCount).toBe(c.upCount)
        expect(t.convergedCount).toBe(c.convergedCount)
        expect(t.correctEntries).toBe(c.correctEntries)
        for (let s = 0; s < n; s++) if (t.up[s] === 0) expect(t.colCorrect[s]).toBe(c.colCorrect[s])
      }
    }
  })
})
