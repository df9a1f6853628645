import { describe, expect, it } from "@effect/vitest"
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

describe("peerWantsCrc", () => {
  it("only peers that understand protocol 5 get CRC frames", () => {
    expect(peerWantsCrc(makeVersions(1, 5, 2, 0, 0, 0))).toBe(true)
    expect(peerWantsCrc(makeVersions(1, 4, 2, 0, 0, 0))).toBe(false)
    expect(peerWantsCrc(makeVersions(0, 0, 0, 0, 0, 0))).toBe(false)
  })
})
