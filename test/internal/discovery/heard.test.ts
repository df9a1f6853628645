import { describe, expect, it } from "@effect/vitest"
import { HeardTable } from "../../../src/internal/discovery/heard.js"

const at = (i: number) => ({ host: `10.0.0.${i}`, port: 7946 })

describe("HeardTable", () => {
  it("lists what was heard within expireAfter, forgetting older entries", () => {
    const table = new HeardTable(10, 1_000)
    expect(table.heard(at(1), 0)).toBe("new")
    expect(table.heard(at(2), 500)).toBe("new")
    expect(table.live(1_000)).toEqual([at(1), at(2)])
    expect(table.live(1_001)).toEqual([at(2)])
    expect(table.size).toBe(1)
    // Hearing again keeps an entry alive.
    expect(table.heard(at(2), 1_400)).toBe("refreshed")
    expect(table.live(2_300)).toEqual([at(2)])
    expect(table.live(2_401)).toEqual([])
  })

  it("is bounded: when full, a new address evicts the one heard least recently", () => {
    const table = new HeardTable(3, 10_000)
    table.heard(at(1), 0)
    table.heard(at(2), 1)
    table.heard(at(3), 2)
    table.heard(at(1), 3) // refreshed: at(2) is now the oldest
    expect(table.heard(at(4), 4)).toBe("evicted")
    expect(table.live(5)).toEqual([at(3), at(1), at(4)])
    for (let i = 10; i < 1_000; i++) table.heard(at(i % 250), i)
    expect(table.size).toBe(3)
  })

  it("an expired entry makes room without evicting a live one", () => {
    const table = new HeardTable(2, 100)
    table.heard(at(1), 0)
    table.heard(at(2), 150)
    expect(table.heard(at(3), 160)).toBe("new")
    expect(table.live(160)).toEqual([at(2), at(3)])
  })
})
