import { describe, expect, it } from "@effect/vitest"
import { fnv1a } from "../../../src/internal/fnv1a.js"
import { makeRng, shuffleInPlace } from "../../../src/internal/swim/random.js"
import { sortIntoRing } from "../../../src/internal/swim/ringOrder.js"

/** The ring as its definition states it: by hash, ties by name, with a comparator. */
const reference = (names: ReadonlyArray<string>, hash: (name: string) => number): Array<string> =>
  [...names].sort((a, b) => hash(a) - hash(b) || (a < b ? -1 : a > b ? 1 : 0))

const members = (names: ReadonlyArray<string>) => names.map((name) => ({ name }))

describe("the probe ring's order", () => {
  it("is by fnv1a of the name, whatever order the members come in", () => {
    const names = Array.from({ length: 2_000 }, (_, i) => `node-${i}`)
    const expected = reference(names, fnv1a)
    for (const seed of [1, 2, 3]) {
      const order = members(names)
      shuffleInPlace(makeRng(seed), order)
      sortIntoRing(order)
      expect(order.map((m) => m.name)).toEqual(expected)
    }
  })

  it("puts members of equal hash in name order, at any place in the ring", () => {
    const names = Array.from({ length: 300 }, (_, i) => `m${(i * 7919) % 1000}`)
    const fewHashes = (name: string) => name.length * 1_000_003 % 4_294_967_291
    const order = members(names)
    sortIntoRing(order, fewHashes)
    expect(order.map((m) => m.name)).toEqual(reference(names, fewHashes))
    const constant = members(names)
    sortIntoRing(constant, () => 4_294_967_295)
    expect(constant.map((m) => m.name)).toEqual([...names].sort())
  })

  it("keeps the same member objects, each once", () => {
    const order = members(["c", "a", "b", "d"])
    const before = new Set(order)
    sortIntoRing(order)
    expect(new Set(order)).toEqual(before)
    expect(order.length).toBe(4)
  })
})
