import { describe, expect, it } from "@effect/vitest"
import type { SimNode } from "../../../src/internal/simulation/cluster.js"
import { NodePool } from "../../../src/internal/simulation/nodePool.js"

describe("NodePool", () => {
  const cluster = (n: number) => ({ list: Array.from({ length: n }, () => ({ running: true }) as SimNode) })

  it("never picks the seed, a held node or a stopped one; a released node can be picked again", () => {
    const c = cluster(6)
    ;(c.list[3] as SimNode).running = false
    const pool = new NodePool(c, 7, 6, 6)
    const first = pool.choose(2)
    const rest = pool.choose(10)
    expect(first).toHaveLength(2)
    expect([...first, ...rest].sort()).toEqual([1, 2, 4, 5])
    expect(pool.choose(1)).toEqual([])
    pool.release([first[0] as number])
    expect(pool.choose(1)).toEqual([first[0]])
  })

  it("picks late joiners only once they have joined, and the same picks for the same seed", () => {
    const picks = (seed: number) => {
      const pool = new NodePool(cluster(8), seed, 4, 8)
      const before = pool.choose(8)
      expect(pool.nextJoiner()).toBe(4)
      expect(pool.nextJoiner()).toBe(5)
      return [before, pool.choose(8)]
    }
    const [before, after] = picks(3)
    expect([...(before as Array<number>)].sort()).toEqual([1, 2, 3])
    expect([...(after as Array<number>)].sort()).toEqual([4, 5])
    expect(picks(3)).toEqual([before, after])
  })
})
