import { describe, expect, it } from "@effect/vitest"
import { EventQueue } from "../../../src/internal/driver/eventQueue.js"

describe("EventQueue", () => {
  it("pops in time order, ties in insertion order", () => {
    const q = new EventQueue<string>()
    q.push(30, "c")
    q.push(10, "a1")
    q.push(20, "b")
    q.push(10, "a2")
    q.push(10, "a3")
    expect(q.peekTime()).toBe(10)
    const out: Array<string> = []
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.value)
    expect(out).toEqual(["a1", "a2", "a3", "b", "c"])
    expect(q.peekTime()).toBe(Infinity)
  })

  it("stays ordered over many random pushes and pops", () => {
    const q = new EventQueue<number>()
    let x = 12345
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31)
    let last = -Infinity
    for (let i = 0; i < 5000; i++) {
      q.push(last === -Infinity ? next() % 1000 : last + (next() % 1000), i)
      if (i % 3 === 0) {
        const e = q.pop()!
        expect(e.at).toBeGreaterThanOrEqual(last)
        last = e.at
      }
    }
    while (q.size > 0) {
      const e = q.pop()!
      expect(e.at).toBeGreaterThanOrEqual(last)
      last = e.at
    }
  })

  it("keeps ties in insertion order when pushes interleave with pops", () => {
    const q = new EventQueue<number>()
    for (let i = 0; i < 50; i++) q.push(i % 5, i)
    const first = q.pop()!
    expect(first).toEqual({ at: 0, value: 0 })
    for (let i = 50; i < 60; i++) q.push(0, i)
    const zeros: Array<number> = []
    while (q.peekTime() === 0) zeros.push(q.pop()!.value)
    expect(zeros).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59])
    expect(q.size).toBe(40)
  })
})
