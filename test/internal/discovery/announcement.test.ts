import { describe, expect, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import { announcementKey, decode, encode, maxAnnouncementBytes } from "../../../src/internal/discovery/announcement.js"

const v4 = { host: "10.214.7.11", port: 7946 }
const v6 = { host: "fd00::7", port: 65535 }

describe("multicast announcement", () => {
  it("round-trips IPv4 and IPv6 addresses, unsigned and signed, with any cluster name up to 255 bytes", () => {
    const key = announcementKey(randomBytes(32))
    for (const cluster of ["", "orders", "é".repeat(127)]) {
      for (const address of [v4, v6]) {
        expect(decode(encode(cluster, address, undefined), cluster, [])).toEqual({ _tag: "Heard", address })
        const signed = encode(cluster, address, key)
        expect(signed.length).toBeLessThanOrEqual(maxAnnouncementBytes)
        expect(decode(signed, cluster, [key])).toEqual({ _tag: "Heard", address })
      }
    }
  })

  it("another cluster's announcement is foreign", () => {
    expect(decode(encode("a", v4, undefined), "b", [])).toMatchObject({ _tag: "Dropped", reason: "foreign" })
    // A signed announcement is an encrypting cluster's, which a member without keys cannot join.
    const key = announcementKey(randomBytes(16))
    expect(decode(encode("a", v4, key), "a", [])).toMatchObject({ _tag: "Dropped", reason: "foreign" })
  })

  it("with keys: unsigned, signed by another key, or altered is unauthenticated; any key of a rotating keyring is accepted", () => {
    const ours = announcementKey(randomBytes(32))
    const old = announcementKey(randomBytes(32))
    const theirs = announcementKey(randomBytes(32))
    expect(decode(encode("c", v4, undefined), "c", [ours])).toMatchObject({ reason: "unauthenticated" })
    expect(decode(encode("c", v4, theirs), "c", [ours, old])).toMatchObject({ reason: "unauthenticated" })
    expect(decode(encode("c", v4, old), "c", [ours, old])).toEqual({ _tag: "Heard", address: v4 })
    const altered = encode("c", v4, ours)
    altered[altered.length - 33]! ^= 1 // the port's low byte
    expect(decode(altered, "c", [ours])).toMatchObject({ reason: "unauthenticated" })
  })

  it("anything else is malformed: other bytes, another version, wrong lengths, bad fields, oversized", () => {
    const good = encode("c", v4, undefined)
    const variants: Array<Uint8Array> = [
      new Uint8Array(0),
      new TextEncoder().encode("hello"),
      Uint8Array.from([...good.subarray(0, 3), 2, ...good.subarray(4)]), // version 2
      good.subarray(0, good.length - 1), // truncated
      Uint8Array.from([...good, 0]), // trailing byte
      Uint8Array.from([...good.subarray(0, 7), 5, ...good.subarray(8)]), // IP length 5
      Uint8Array.from([...good.subarray(0, good.length - 2), 0, 0]), // port 0
      Uint8Array.from([0x45, 0x4d, 0x44, 1, 0, 1, 0xff, 4, 10, 0, 0, 1, 0x1f, 0x0a]), // cluster not UTF-8
      new Uint8Array(maxAnnouncementBytes + 1)
    ]
    for (const bytes of variants) expect(decode(bytes, "c", [])).toMatchObject({ _tag: "Dropped", reason: "malformed" })
  })
})
