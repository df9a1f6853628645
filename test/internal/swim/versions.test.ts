import { describe, expect, it } from "@effect/vitest"
import { makeRng, nextInt } from "../../../src/internal/swim/random.js"
import type { Versions } from "../../../src/internal/swim/messages.js"
import type { VersionedMember } from "../../../src/internal/swim/versions.js"
import {
  describeIncompatibility,
  makeVersions,
  peerWantsCrc,
  validAliveVersions,
  verifyProtocol
} from "../../../src/internal/swim/versions.js"

const member = (name: string, v: ReturnType<typeof makeVersions>, state: 0 | 1 | 2 | 3 = 0): VersionedMember => ({
  name,
  state,
  versions: v
})

describe("verifyProtocol (memberlist's rule)", () => {
  const local = [member("me", makeVersions(1, 5, 2, 0, 0, 0))]
  it("accepts members whose current versions lie in everyone's common range", () => {
    expect(verifyProtocol(local, [member("a", makeVersions(1, 5, 5, 0, 0, 0))])).toBeUndefined()
  })
  it("rejects a remote speaking a protocol another member does not understand", () => {
    const r = verifyProtocol(local, [member("a", makeVersions(1, 5, 5, 0, 0, 0)), member("old", makeVersions(1, 3, 2, 0, 0, 0))])
    expect(r).toEqual({ _tag: "VersionIncompatibility", kind: "protocol", node: "a", current: 5, min: 1, max: 3 })
  })
  it("checks delegate versions too", () => {
    const r = verifyProtocol([member("me", makeVersions(1, 5, 2, 2, 4, 3))], [member("a", makeVersions(1, 5, 2, 1, 2, 2))])
    expect(r).toMatchObject({ kind: "delegate", node: "me", current: 3, min: 2, max: 2 })
  })
  it("leaves non-alive members out of the bounds but still checks them", () => {
    const dead = member("dead", makeVersions(1, 2, 2, 0, 0, 0), 2)
    expect(verifyProtocol(local, [member("a", makeVersions(1, 5, 4, 0, 0, 0)), dead])).toBeUndefined()
    const deadHigh = member("deadHigh", makeVersions(1, 5, 5, 0, 0, 0), 2)
    expect(verifyProtocol([member("me", makeVersions(1, 3, 2, 0, 0, 0))], [deadHigh])).toMatchObject({ node: "deadHigh" })
  })
  it("treats a missing Vsn as version zero, outside any real range", () => {
    expect(verifyProtocol(local, [member("nov", makeVersions(0, 0, 0, 0, 0, 0))])).toMatchObject({ node: "nov", current: 0 })
  })
  it("validates an alive message's protocol range like aliveNode", () => {
    expect(validAliveVersions(makeVersions(1, 5, 2, 0, 0, 0))).toBe(true)
    expect(validAliveVersions(makeVersions(0, 0, 0, 0, 0, 0))).toBe(true)
    expect(validAliveVersions(makeVersions(3, 2, 2, 0, 0, 0))).toBe(false)
    expect(validAliveVersions(makeVersions(0, 5, 2, 0, 0, 0))).toBe(false)
  })
  it("describes an incompatibility by member, kind and range", () => {
    const protocol = verifyProtocol(local, [member("a", makeVersions(1, 5, 5, 0, 0, 0)), member("old", makeVersions(1, 3, 2, 0, 0, 0))])!
    expect(describeIncompatibility(protocol)).toBe(
      "member 'a' protocol version 5 is outside 1..3, the range every alive member understands"
    )
    const delegate = verifyProtocol([member("me", makeVersions(1, 5, 2, 2, 4, 3))], [member("a", makeVersions(1, 5, 2, 1, 2, 2))])!
    expect(describeIncompatibility(delegate)).toContain("'me' delegate protocol version 3 is outside 2..2")
  })
})

/** memberlist's rule written out plainly, every member's tuple read afresh: what `verifyProtocol` must answer. */
const plainVerify = (local: ReadonlyArray<VersionedMember>, remote: ReadonlyArray<VersionedMember>) => {
  let [maxPMin, minPMax, maxDMin, minDMax] = [0, 255, 0, 255]
  const alive = [...remote.filter((m) => m.versions.some((v) => v !== 0)), ...local].filter((m) => m.state === 0)
  for (const { versions: v } of alive) {
    ;[maxPMin, minPMax, maxDMin, minDMax] = [Math.max(maxPMin, v[0]), Math.min(minPMax, v[1]), Math.max(maxDMin, v[3]), Math.min(minDMax, v[4])]
  }
  for (const m of [...remote, ...local]) {
    const [p, d] = [m.versions[2], m.versions[5]]
    if (p < maxPMin || p > minPMax) return { _tag: "VersionIncompatibility", kind: "protocol", node: m.name, current: p, min: maxPMin, max: minPMax }
    if (d < maxDMin || d > minDMax) return { _tag: "VersionIncompatibility", kind: "delegate", node: m.name, current: d, min: maxDMin, max: minDMax }
  }
  return undefined
}

describe("verifyProtocol over members sharing versions tuples", () => {
  // The decoder hands every member with the same versions the same array; verifyProtocol skips a tuple it has
  // just taken in or found within range. Runs of shared tuples, with a narrowing or outlying one anywhere
  // (before, between or after them, alive or not), must be judged as if every member were read afresh.
  const pool: ReadonlyArray<Versions> = [
    makeVersions(1, 5, 2, 0, 1, 0),
    makeVersions(1, 5, 2, 0, 1, 0),
    makeVersions(1, 4, 2, 0, 0, 0),
    makeVersions(2, 5, 5, 0, 1, 1),
    makeVersions(1, 3, 3, 0, 0, 0),
    makeVersions(0, 0, 0, 0, 0, 0)
  ]
  it("answers as the plain rule on 2,000 random views", () => {
    const rng = makeRng(13)
    const shared = pool.slice(0, 2)
    const pick = (): Versions => nextInt(rng, 10) < 8 ? shared[nextInt(rng, 2)]! : pool[nextInt(rng, pool.length)]!
    const members = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => member(`${prefix}${i}`, pick(), nextInt(rng, 5) === 0 ? 2 : 0))
    let incompatible = 0
    for (let run = 0; run < 2000; run++) {
      const local = members("l", 1 + nextInt(rng, 12))
      const remote = members("r", nextInt(rng, 12))
      const expected = plainVerify(local, remote)
      if (expected !== undefined) incompatible++
      expect(verifyProtocol(local, remote)).toEqual(expected)
    }
    // Both answers are common, so each is compared often.
    expect(incompatible).toBeGreaterThan(200)
    expect(incompatible).toBeLessThan(1800)
  })
  it("judges a shared tuple by the range every member narrows, not the range when it was first met", () => {
    const common = makeVersions(1, 5, 5, 0, 0, 0)
    const remote = [member("a", common), member("b", common), member("old", makeVersions(1, 4, 2, 0, 0, 0))]
    expect(verifyProtocol([member("me", common)], remote)).toMatchObject({ node: "a", current: 5, max: 4 })
  })
})

describe("peerWantsCrc", () => {
  it("only peers that understand protocol 5 get CRC frames", () => {
    expect(peerWantsCrc(makeVersions(1, 5, 2, 0, 0, 0))).toBe(true)
    expect(peerWantsCrc(makeVersions(1, 4, 2, 0, 0, 0))).toBe(false)
    expect(peerWantsCrc(makeVersions(0, 0, 0, 0, 0, 0))).toBe(false)
  })
})
