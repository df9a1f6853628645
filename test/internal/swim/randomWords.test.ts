/**
 * The core's generator (random.ts) keeps its state words signed, for speed: its draws must be the
 * ones it gave when they were kept unsigned, or every seeded run (the simulator's reports, the
 * property tests) would change. Known answers, recorded from the unsigned implementation: the first
 * six draws, the sum of the next 100,000 (mod 10^9+7), five bounded draws and a shuffle, per seed.
 */
import { describe, expect, it } from "@effect/vitest"
import { makeRng, nextInt, nextUint32, shuffleInPlace } from "../../../src/internal/swim/random.js"

const known: ReadonlyArray<readonly [number, ReadonlyArray<number>, number, ReadonlyArray<number>, ReadonlyArray<number>]> = [
  [0, [4205396811,3543653536,1222415357,3047368389,387095348,2506032770], 436492837, [534,256,151,105,905], [0,7,5,6,9,4,1,8,3,2]],
  [1, [1828152527,3394835397,2967886022,2251045104,4148684523,4055680838], 67647605, [935,114,952,360,364], [8,1,3,7,4,2,0,6,5,9]],
  [7, [838155491,1550620431,3610122010,3621410451,1671033217,2289101469], 910996974, [410,669,408,792,890], [6,8,3,7,0,1,4,2,9,5]],
  [2654435769, [1255788323,229556502,1129684417,4139637878,1673523051,3071729761], 525218684, [377,185,145,326,370], [3,1,6,5,8,9,7,2,0,4]],
  [4294967295, [1413747962,91561161,3282502067,2190738929,3748440605,3843617456], 43982754, [540,982,763,146,499], [3,1,5,2,4,7,6,0,8,9]]

]

describe("the seeded generator", () => {
  it("draws what the unsigned implementation drew, for seeds across the range", () => {
    for (const [seed, draws, sum, ints, shuffled] of known) {
      const rng = makeRng(seed)
      expect(Array.from({ length: 6 }, () => nextUint32(rng))).toEqual(draws)
      let total = 0
      for (let i = 0; i < 100_000; i++) total = (total + nextUint32(rng)) % 1_000_000_007
      expect(total).toBe(sum)
      expect(Array.from({ length: 5 }, () => nextInt(rng, 1000))).toEqual(ints)
      const items = Array.from({ length: 10 }, (_, i) => i)
      shuffleInPlace(rng, items)
      expect(items).toEqual(shuffled)
    }
  })

  it("gives unsigned 32-bit integers, and keeps its state words small integers", () => {
    const rng = makeRng(42)
    for (let i = 0; i < 10_000; i++) {
      const x = nextUint32(rng)
      expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true)
    }
    for (const word of [rng.a, rng.b, rng.c, rng.d]) expect(word === (word | 0)).toBe(true)
  })
})
