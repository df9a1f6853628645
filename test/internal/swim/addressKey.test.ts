/**
 * The key a member table stores for an address is its `host:port` form,
 * computed once per address object, so every node of a simulation that
 * holds a member shares one string instead of keeping a copy each.
 */
import { describe, expect, it } from "@effect/vitest"
import { addressKey, storedAddressKey } from "../../../src/internal/swim/addressKey.js"
import { formatAddress } from "../../../src/internal/swim/messages.js"
import { CoreDriver } from "./driver.js"

describe("storedAddressKey", () => {
  it("is the formatted address, for IPv4 and IPv6", () => {
    expect(storedAddressKey({ host: "127.0.0.1", port: 7946 })).toBe("127.0.0.1:7946")
    expect(storedAddressKey({ host: "::1", port: 7946 })).toBe("[::1]:7946")
  })

  it("answers for an address object by identity, not by its current fields", () => {
    // Addresses are immutable; this shows the value comes from the cache, i.e. is computed once per object.
    const address = { host: "127.0.0.2", port: 1 }
    const first = storedAddressKey(address)
    ;(address as { port: number }).port = 2
    expect(storedAddressKey(address)).toBe(first)
    expect(storedAddressKey({ ...address })).toBe(formatAddress({ host: "127.0.0.2", port: 2 }))
  })
})

describe("addressKey", () => {
  it("takes the stored key of an address object that has one, and caches nothing for one that has not", () => {
    const stored = { host: "127.0.0.3", port: 1 }
    storedAddressKey(stored)
    // Mutated only to tell the cached key from a freshly formatted one.
    ;(stored as { port: number }).port = 2
    expect(addressKey(stored)).toBe("127.0.0.3:1")
    const passing = { host: "::1", port: 3 }
    expect(addressKey(passing)).toBe("[::1]:3")
    ;(passing as { port: number }).port = 4
    expect(addressKey(passing)).toBe("[::1]:4")
  })
})

describe("a member record", () => {
  it("is indexed by its address key and created with every field, in one order", () => {
    const d = new CoreDriver()
    d.addMembers(["x", "y"])
    for (const record of d.state.members.values()) {
      expect(d.state.byAddress.get(formatAddress(record.address))).toBe(record)
      expect(Object.keys(record)).toEqual(["name", "address", "meta", "incarnation", "state", "versions", "stateChangedAt"])
    }
  })
})
