/**
 * A packet's source swapped for the canonical address (canonical.ts `knownAddress`, used by
 * packetIntake.ts): the canonical object when that address was decoded before, so its stored
 * `host:port` key is found with no string built; the source as it came otherwise, and never added,
 * so forged sources cannot fill the table.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { storedAddressKey, addressKey } from "../../../src/internal/swim/addressKey.js"
import { defaultVersions } from "../../../src/internal/swim/config.js"
import * as Canonical from "../../../src/internal/wire/canonical.js"
import { decodeMessage, encodeMessage } from "../../../src/internal/wire/messages.js"

const decodedAddress = (host: string, port: number) => {
  const decoded = decodeMessage(encodeMessage({
    _tag: "Alive",
    incarnation: 1,
    node: `known-address-${port}`,
    address: { host, port },
    meta: new Uint8Array(0),
    versions: defaultVersions
  }))
  if (Either.isLeft(decoded) || decoded.right._tag !== "Alive") throw new Error("the alive did not decode")
  return decoded.right.address
}

describe("Canonical.knownAddress", () => {
  it("gives the decoded address object for a source at that address, with its stored key", () => {
    const canonical = decodedAddress("127.0.0.1", 47001)
    const key = storedAddressKey(canonical)
    const source = { host: "127.0.0.1", port: 47001 }
    const found = Canonical.knownAddress(source)
    expect(found).toBe(canonical)
    expect(addressKey(found)).toBe(key)
    expect(key).toBe("127.0.0.1:47001")
  })

  it("gives an unknown source back as it came, and does not add it", () => {
    const before = Canonical.addresses.size
    const source = { host: "127.0.0.1", port: 47999 }
    expect(Canonical.knownAddress(source)).toBe(source)
    expect(Canonical.knownAddress({ host: "10.9.8.7", port: 47001 })).toEqual({ host: "10.9.8.7", port: 47001 })
    expect(Canonical.addresses.size).toBe(before)
    expect(addressKey(source)).toBe("127.0.0.1:47999")
  })
})
