import { describe, expect, it } from "@effect/vitest"
import {
  confirmations,
  confirmSuspicion,
  expectedConfirmations,
  type Suspicion,
  suspicionMinTimeout,
  suspicionTimeout
} from "../../../src/internal/swim/suspicion.js"

const makeSuspicion = (expected: number, min = 4000, max = 24_000, startedAt = 1000): Suspicion => ({
  token: 1,
  startedAt,
  expected,
  min,
  max,
  accusers: new Set(["first"]),
  deadline: startedAt + (expected < 1 ? min : max),
  verifications: 0,
  nextVerificationAt: startedAt
})

describe("suspicionMinTimeout: mult × max(1, log10 n) × probeInterval", () => {
  it("is mult × interval up to 10 members", () => {
    for (const n of [0, 1, 2, 5, 9, 10]) expect(suspicionMinTimeout(4, n, 1000)).toBe(4000)
  })

  it("grows with log10(n) beyond 10 members, in whole ms", () => {
    expect(suspicionMinTimeout(4, 100, 1000)).toBe(8000)
    expect(suspicionMinTimeout(4, 1000, 1000)).toBe(12_000)
    expect(suspicionMinTimeout(4, 20, 1000)).toBe(Math.floor(4 * Math.log10(20) * 1000))
    expect(suspicionMinTimeout(6, 50, 5000)).toBe(Math.floor(6 * Math.log10(50) * 5000))
  })
})

describe("expectedConfirmations: suspicionMult - 2, or 0 when n - 2 < suspicionMult - 2", () => {
  it("expects none in a cluster too small to supply them", () => {
    expect(expectedConfirmations(4, 1)).toBe(0)
    expect(expectedConfirmations(4, 2)).toBe(0)
    expect(expectedConfirmations(4, 3)).toBe(0)
  })

  it("expects suspicionMult - 2 once the cluster can supply them", () => {
    expect(expectedConfirmations(4, 4)).toBe(2)
    expect(expectedConfirmations(4, 100)).toBe(2)
    expect(expectedConfirmations(6, 6)).toBe(4)
    expect(expectedConfirmations(6, 5)).toBe(0)
  })

  it("never goes negative for a tiny multiplier", () => {
    expect(expectedConfirmations(1, 50)).toBe(0)
  })
})

describe("suspicionTimeout: from max down to min as log(c + 1) / log(k + 1)", () => {
  it("is max with no confirmations and min with all expected", () => {
    expect(suspicionTimeout(0, 3, 4000, 24_000)).toBe(24_000)
    expect(suspicionTimeout(3, 3, 4000, 24_000)).toBe(4000)
  })

  it("is min when no confirmations are expected", () => {
    expect(suspicionTimeout(0, 0, 4000, 24_000)).toBe(4000)
  })

  it("follows the log curve in whole ms", () => {
    expect(suspicionTimeout(1, 2, 4000, 24_000)).toBe(Math.floor(24_000 - (Math.log(2) / Math.log(3)) * 20_000))
    expect(suspicionTimeout(1, 3, 4000, 24_000)).toBe(Math.floor(24_000 - 0.5 * 20_000))
  })

  it("decreases with each confirmation and never goes below min", () => {
    let previous = Infinity
    for (let c = 0; c <= 6; c++) {
      const t = suspicionTimeout(c, 4, 4000, 24_000)
      expect(t).toBeLessThan(previous)
      expect(t).toBeGreaterThanOrEqual(4000)
      previous = c < 4 ? t : Infinity
    }
    expect(suspicionTimeout(10, 4, 4000, 24_000)).toBe(4000)
  })
})

describe("confirmSuspicion", () => {
  it("an accusation from a new member is a confirmation that moves the deadline", () => {
    const s = makeSuspicion(2)
    expect(confirmSuspicion(s, "b")).toBe(true)
    expect(confirmations(s)).toBe(1)
    expect(s.deadline).toBe(1000 + suspicionTimeout(1, 2, 4000, 24_000))
    expect(confirmSuspicion(s, "c")).toBe(true)
    expect(s.deadline).toBe(1000 + 4000)
  })

  it("a repeat from the first accuser or an earlier confirmer does not count", () => {
    const s = makeSuspicion(2)
    expect(confirmSuspicion(s, "first")).toBe(false)
    expect(s.deadline).toBe(1000 + 24_000)
    expect(confirmSuspicion(s, "b")).toBe(true)
    const deadline = s.deadline
    expect(confirmSuspicion(s, "b")).toBe(false)
    expect(s.deadline).toBe(deadline)
    expect(confirmations(s)).toBe(1)
  })

  it("nothing counts beyond the expected confirmations", () => {
    const s = makeSuspicion(1)
    expect(confirmSuspicion(s, "b")).toBe(true)
    expect(s.deadline).toBe(1000 + 4000)
    expect(confirmSuspicion(s, "c")).toBe(false)
    expect(confirmations(s)).toBe(1)
  })

  it("with none expected, no accusation is a confirmation", () => {
    const s = makeSuspicion(0)
    expect(confirmSuspicion(s, "b")).toBe(false)
    expect(s.deadline).toBe(1000 + 4000)
  })
})
