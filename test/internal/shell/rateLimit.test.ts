/**
 * The per-source token bucket checked before decoding (rateLimit.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { RateLimit, reorderMillis } from "../../../src/internal/shell/rateLimit.js"

describe("RateLimit", () => {
  it("lets a burst through, then the rate: 1,000 at once, then 500 per second", () => {
    const limit = new RateLimit({ rate: 500, burst: 1000, maxSources: 16 })
    let passed = 0
    for (let i = 0; i < 5000; i++) if (limit.allow("a", 0)) passed++
    expect(passed).toBe(1000)
    passed = 0
    // 10 s of 5,000 packets a second: 500 a second pass
    for (let ms = 1; ms <= 10_000; ms++) for (let k = 0; k < 5; k++) if (limit.allow("a", ms)) passed++
    expect(passed).toBeGreaterThanOrEqual(4990)
    expect(passed).toBeLessThanOrEqual(5000)
  })

  it("keeps sources apart: one source over its rate does not slow another", () => {
    const limit = new RateLimit({ rate: 10, burst: 10, maxSources: 16 })
    for (let i = 0; i < 100; i++) limit.allow("noisy", 0)
    expect(limit.allow("noisy", 0)).toBe(false)
    expect(limit.allow("quiet", 0)).toBe(true)
  })

  it("tracks at most maxSources, forgetting the least recently heard", () => {
    const limit = new RateLimit({ rate: 1, burst: 1, maxSources: 100 })
    for (let i = 0; i < 10_000; i++) limit.allow(`s${i}`, i)
    expect(limit.size).toBe(100)
    // the newest are still limited, the forgotten come back with a full bucket
    expect(limit.allow("s9999", 9999)).toBe(false)
    expect(limit.allow("s0", 9999)).toBe(true)
  })

  // A bucket that refills once in 1,000 s: an empty one stays empty, so `allow` tells a tracked source
  // (false) from a forgotten one (true: it comes back with a full bucket).
  const slow = () => new RateLimit({ rate: 0.001, burst: 1, maxSources: 3 })

  it("moves a source heard again after reorderMillis behind the others, so another is forgotten first", () => {
    const limit = slow()
    limit.allow("a", 0)
    limit.allow("b", 1)
    limit.allow("c", 2)
    expect(limit.allow("a", reorderMillis + 1)).toBe(false)
    limit.allow("d", reorderMillis + 2)
    expect(limit.size).toBe(3)
    expect(limit.allow("a", reorderMillis + 3)).toBe(false)
    expect(limit.allow("b", reorderMillis + 3)).toBe(true)
  })

  it("keeps a source's place when it is heard again within reorderMillis", () => {
    const limit = slow()
    limit.allow("a", 0)
    limit.allow("b", 1)
    limit.allow("c", 2)
    expect(limit.allow("a", reorderMillis / 2)).toBe(false)
    limit.allow("d", reorderMillis / 2 + 1)
    expect(limit.allow("b", reorderMillis / 2 + 2)).toBe(false)
    expect(limit.allow("a", reorderMillis / 2 + 2)).toBe(true)
  })
})
