import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { defaultVersions } from "../../../src/internal/swim/config.js"
import type { Alive } from "../../../src/internal/swim/messages.js"
import * as Canonical from "../../../src/internal/wire/canonical.js"
import { decodePacket, encodePacket } from "../../../src/internal/wire/packet.js"

const alive = (node: string, host: string): Alive => ({
  _tag: "Alive",
  incarnation: 3,
  node,
  address: { host, port: 7946 },
  meta: new Uint8Array([1, 2]),
  versions: defaultVersions
})

const decodedHosts = (bytes: Uint8Array): Array<string> => {
  const decoded = decodePacket(bytes)
  if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
  return decoded.right.messages.map((m) => (m._tag === "Alive" ? m.address.host : "?"))
}

describe("hosts' wire bytes parsed once per host", () => {
  it("a later encode, of the same host or another, leaves a packet already encoded as it was", () => {
    const first = encodePacket([alive("a", "10.1.2.3"), alive("b", "fd00::7")])
    const kept = Uint8Array.from(first)
    encodePacket([alive("c", "10.1.2.4"), alive("d", "fd00::8")])
    const again = encodePacket([alive("a", "10.1.2.3"), alive("b", "fd00::7")])
    expect(first).toEqual(kept)
    expect(again).toEqual(kept)
    expect(decodedHosts(first)).toEqual(["10.1.2.3", "fd00::7"])
  })

  it("keeps one parsed copy per host and hands it to no packet", () => {
    encodePacket([alive("e", "10.9.9.9")])
    const bytes = Canonical.hostBytes.get("10.9.9.9", () => new Uint8Array(0))
    expect(Array.from(bytes)).toEqual([10, 9, 9, 9])
    const packet = encodePacket([alive("e", "10.9.9.9")])
    expect(packet.buffer).not.toBe(bytes.buffer)
  })
})
