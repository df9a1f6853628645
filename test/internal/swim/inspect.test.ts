import { describe, expect, it } from "@effect/vitest"
import * as Inspect from "../../../src/internal/swim/inspect.js"
import { suspicionMinTimeout } from "../../../src/internal/swim/suspicion.js"
import { CoreDriver, suspect } from "./driver.js"

describe("Inspect: read-only views of a core's suspicions", () => {
  it("lists the suspicions held, accusers in order, oldest first, and changes nothing", () => {
    const d = new CoreDriver({ timings: { suspicionMult: 4, suspicionMaxTimeoutMult: 6, probeInterval: 1000 } })
    d.addMembers(["a", "b", "c", "d", "e"])
    expect(Inspect.suspicions(d.state)).toEqual([])

    d.now = 100
    d.receive("a", suspect("c", 1, "a"))
    d.now = 200
    d.receive("b", suspect("d", 1, "b"))
    d.receive("e", suspect("c", 1, "e"))
    const held = Inspect.suspicions(d.state)
    expect(held.map((s) => [s.suspect, s.accusers, s.startedAt])).toEqual([
      ["c", ["a", "e"], 100],
      ["d", ["b"], 200]
    ])
    // Six members: mult 4 expects 2 confirmations; the deadline is the core's own.
    expect(held[0]?.expectedConfirmations).toBe(2)
    expect(held[0]?.deadline).toBe(d.state.suspicions.get("c")?.deadline)
    // A copy: changing it leaves the core alone.
    ;(held[0]?.accusers as Array<string>).push("x")
    expect([...(d.state.suspicions.get("c")?.accusers ?? [])]).toEqual(["a", "e"])
  })

  it("maxSuspicionTimeout is the max timeout a suspicion formed now would get", () => {
    const d = new CoreDriver({ timings: { suspicionMult: 4, suspicionMaxTimeoutMult: 6, probeInterval: 1000 } })
    expect(Inspect.maxSuspicionTimeout(d.state)).toBe(6 * 4000)
    d.addMembers(Array.from({ length: 19 }, (_, i) => `m${i}`))
    expect(Inspect.maxSuspicionTimeout(d.state)).toBe(6 * suspicionMinTimeout(4, 20, 1000))
    d.receive("m1", suspect("m2", 1, "m1"))
    const s = d.state.suspicions.get("m2")
    expect(s?.max).toBe(Inspect.maxSuspicionTimeout(d.state))
  })
})
