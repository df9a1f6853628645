import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { afterAll, afterEach, beforeAll } from "vitest"
import { eventually, seesExactly, startMember } from "../support/cluster.js"
import { ensureGoPeerBuilt, startGoPeer, stopAll } from "./goPeer.js"

const periods = (n: number) => Duration.seconds(n)
const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

beforeAll(() => ensureGoPeerBuilt(), 180_000)
afterEach(() => stopAll())
afterAll(() => stopAll())

describe("explore", () => {
  it.scopedLive("TS joins Go seed", () =>
    Effect.gen(function*() {
      const g1 = yield* promise(() => startGoPeer({ name: "g1", echoStderr: true }))
      const t1 = yield* startMember({ name: "t1", seeds: [parse(g1.address)], encoding: "json" })
      yield* Effect.addFinalizer(() => t1.stop)
      yield* eventually(seesExactly([t1], ["g1", "t1"]), periods(10), "t1 sees g1")
      yield* promise(() => g1.waitForMembers(["g1", "t1"], 10_000))
      expect(true).toBe(true)
    }), { timeout: 60_000 })
})

const parse = (s: string) => {
  const i = s.lastIndexOf(":")
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) }
}
