/**
 * The compact member table answers as the `Map` it replaces — same values,
 * same iteration order, the same behaviour when entries change during an
 * iteration — and keeps working, counted, when its interner is full.
 */
import { describe, expect, it } from "@effect/vitest"
import { KeyInterner, MemberTable } from "../../../src/internal/swim/memberTable.js"
import { makeRng, nextInt } from "../../../src/internal/swim/random.js"

const entries = (table: MemberTable<number>): Array<number> => Array.from(table.values())

/** Runs `steps` random sets and deletes over `keyCount` keys on a table and a Map, checking they agree after each. */
const agreeWithMap = (interner: KeyInterner, seed: number, steps: number, keyCount: number): void => {
  const rng = makeRng(seed)
  const table = new MemberTable<number>(interner)
  const map = new Map<string, number>()
  for (let i = 0; i < steps; i++) {
    const key = `k${nextInt(rng, keyCount)}`
    if (nextInt(rng, 3) === 0) {
      expect(table.delete(key)).toBe(map.delete(key))
    } else {
      table.set(key, i)
      map.set(key, i)
    }
    expect(table.size).toBe(map.size)
    expect(table.get(key)).toBe(map.get(key))
    expect(table.has(key)).toBe(map.has(key))
  }
  expect(entries(table)).toEqual(Array.from(map.values()))
  const visited: Array<number> = []
  table.forEach((v) => visited.push(v))
  expect(visited).toEqual(Array.from(map.values()))
  for (const divisor of [7, 1000]) {
    expect(table.some((v) => v % divisor === 0)).toBe(Array.from(map.values()).some((v) => v % divisor === 0))
    // The same question with the divisor handed in as the predicate's context (no closure).
    expect(table.some((v, d) => v % d === 0, divisor)).toBe(Array.from(map.values()).some((v) => v % divisor === 0))
  }
}

describe("MemberTable", () => {
  it("agrees with a Map over random sets and deletes, compactions included", () => {
    for (let seed = 1; seed <= 5; seed++) agreeWithMap(new KeyInterner(1 << 10), seed, 3000, 200)
  })

  it("keeps a present key's place when it is set again, and puts a re-added key last", () => {
    const table = new MemberTable<number>(new KeyInterner(16))
    table.set("a", 1).set("b", 2).set("c", 3)
    table.set("a", 10)
    expect(entries(table)).toEqual([10, 2, 3])
    table.delete("b")
    table.set("b", 20)
    expect(entries(table)).toEqual([10, 3, 20])
  })

  it("answers the same after a trim, removed entries and refused keys included, and goes on growing", () => {
    const table = new MemberTable<number>(new KeyInterner(4))
    const map = new Map<string, number>()
    const set = (key: string, value: number) => {
      table.set(key, value)
      map.set(key, value)
    }
    for (let i = 0; i < 10; i++) set(`t${i}`, i)
    table.delete("t2")
    map.delete("t2")
    table.trim()
    for (let i = 10; i < 50; i++) set(`t${i}`, i)
    for (let i = 10; i < 45; i++) expect(table.delete(`t${i}`)).toBe(map.delete(`t${i}`))
    expect(entries(table)).toEqual(Array.from(map.values()))
    for (const key of ["t0", "t2", "t7", "t45", "t49"]) expect(table.get(key)).toBe(map.get(key))
    expect(table.size).toBe(map.size)
  })

  it("visits entries added during an iteration and skips those removed, as a Map does", () => {
    const interner = new KeyInterner(1 << 10)
    const table = new MemberTable<number>(interner)
    const map = new Map<string, number>()
    for (let i = 0; i < 100; i++) {
      table.set(`k${i}`, i)
      map.set(`k${i}`, i)
    }
    const run = (t: { values(): Iterable<number>; delete(k: string): boolean; set(k: string, v: number): unknown }) => {
      const seen: Array<number> = []
      for (const v of t.values()) {
        seen.push(v)
        // Enough removals to compact, were it allowed during the iteration.
        if (v < 60) t.delete(`k${v + 40}`)
        if (v === 10) t.set("late", 1000)
      }
      return seen
    }
    expect(run(table)).toEqual(run(map))
    expect(entries(table)).toEqual(Array.from(map.values()))
    // The deferred compaction happens on a later removal and changes nothing visible.
    table.delete("k0")
    map.delete("k0")
    expect(entries(table)).toEqual(Array.from(map.values()))
    expect(table.get("late")).toBe(1000)
  })

  it("forEach and some see entries changed during the pass as values() does", () => {
    const fill = () => {
      const table = new MemberTable<number>(new KeyInterner(1 << 10))
      for (let i = 0; i < 100; i++) table.set(`k${i}`, i)
      return table
    }
    const change = (table: MemberTable<number>, v: number) => {
      // Enough removals to compact, were it allowed during the pass.
      if (v < 60) table.delete(`k${v + 40}`)
      if (v === 10) table.set("late", 1000)
    }
    const byIterator = fill()
    const expected: Array<number> = []
    for (const v of byIterator.values()) {
      expected.push(v)
      change(byIterator, v)
    }
    const byForEach = fill()
    const seen: Array<number> = []
    byForEach.forEach((v) => {
      seen.push(v)
      change(byForEach, v)
    })
    expect(seen).toEqual(expected)
    expect(entries(byForEach)).toEqual(entries(byIterator))
    const bySome = fill()
    const tested: Array<number> = []
    expect(bySome.some((v) => {
      tested.push(v)
      change(bySome, v)
      return v === 1000
    })).toBe(true)
    expect(tested).toEqual(expected.slice(0, expected.indexOf(1000) + 1))
  })

  it("shares one interner between tables: each keeps its own entries", () => {
    const interner = new KeyInterner(16)
    const a = new MemberTable<string>(interner)
    const b = new MemberTable<string>(interner)
    a.set("x", "a's x")
    b.set("y", "b's y").set("x", "b's x")
    expect([a.get("x"), a.get("y"), b.get("x"), b.get("y")]).toEqual(["a's x", undefined, "b's x", "b's y"])
    expect(interner.size).toBe(2)
  })

  it("misses a key numbered by another table, beyond its own slots or deleted from it", () => {
    const interner = new KeyInterner(1 << 10)
    const small = new MemberTable<number>(interner)
    const big = new MemberTable<number>(interner)
    small.set("k0", 0)
    for (let i = 1; i < 100; i++) big.set(`k${i}`, i)
    expect([small.get("k99"), small.has("k50"), small.delete("k99")]).toEqual([undefined, false, false])
    big.delete("k50")
    expect([big.get("k50"), big.has("k50"), big.get("k51"), big.size]).toEqual([undefined, false, 51, 98])
  })

  it("holdsNear finds a value by identity at its position or one beside it, and nowhere else", () => {
    const table = new MemberTable<{ readonly n: number }>(new KeyInterner(16))
    const values = Array.from({ length: 6 }, (_, n) => ({ n }))
    values.forEach((v) => table.set(`v${v.n}`, v))
    const third = values[2]!
    expect([1, 2, 3].map((at) => table.holdsNear(third, at))).toEqual([true, true, true])
    expect([0, 4, 5, 99, -1].map((at) => table.holdsNear(third, at))).toEqual([false, false, false, false, false])
    // An equal value that is not the very object is not held.
    expect(table.holdsNear({ n: 2 }, 2)).toBe(false)
    expect(table.holdsNear(values[0]!, 0)).toBe(true)
    table.delete("v2")
    expect(table.holdsNear(third, 2)).toBe(false)
  })
})

describe("KeyInterner", () => {
  it("numbers at most its capacity; further keys are counted and their tables still hold them", () => {
    const interner = new KeyInterner(8)
    agreeWithMap(interner, 42, 2000, 50)
    expect(interner.size).toBe(8)
    expect(interner.refusals).toBeGreaterThan(0)
    const numbered = Array.from({ length: 50 }, (_, i) => interner.idOf(`k${i}`)).filter((id) => id !== undefined)
    expect(numbered.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it("gives a key the same number every time", () => {
    const interner = new KeyInterner(4)
    const id = interner.intern("node-1")
    expect(interner.intern("node-1")).toBe(id)
    expect(interner.idOf("node-1")).toBe(id)
    expect(interner.idOf("node-2")).toBeUndefined()
  })

  it("finds a key numbered right after it was looked up and missed (the interner keeps its last lookup)", () => {
    const interner = new KeyInterner(2)
    const a = new MemberTable<string>(interner)
    const b = new MemberTable<string>(interner)
    // Looked up and missed, then numbered by one table: the other table sharing the interner finds the number too.
    expect(a.get("n1")).toBeUndefined()
    a.set("n1", "a1")
    expect(interner.idOf("n1")).toBe(0)
    b.set("n1", "b1")
    expect([a.get("n1"), b.get("n1")]).toEqual(["a1", "b1"])
    // A key refused by the full interner stays unnumbered after its miss, and its table still holds it.
    a.set("n2", "a2")
    expect(a.get("n3")).toBeUndefined()
    a.set("n3", "a3")
    expect(interner.idOf("n3")).toBeUndefined()
    expect(interner.refusals).toBe(1)
    expect([a.get("n1"), a.get("n2"), a.get("n3"), b.get("n3")]).toEqual(["a1", "a2", "a3", undefined])
  })
})
