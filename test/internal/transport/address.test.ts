import { describe, expect, it } from "@effect/vitest"
import { formatAddress } from "../../../src/internal/swim/messages.js"
import { addressKey, ipFamily, normalizeHost } from "../../../src/internal/transport/address.js"

describe("transport addresses", () => {
  it("turns IPv4-mapped IPv6 back into IPv4, as a dual-stack socket reports IPv4 peers", () => {
    expect(normalizeHost("::ffff:10.0.0.5")).toBe("10.0.0.5")
    expect(normalizeHost("::FFFF:127.0.0.1")).toBe("127.0.0.1")
    expect(normalizeHost("::ffff:1")).toBe("::ffff:1")
    expect(normalizeHost("FE80::1")).toBe("fe80::1")
    expect(normalizeHost("127.0.0.1")).toBe("127.0.0.1")
  })

  it("formats IPv6 with brackets and keys equal addresses equally", () => {
    expect(formatAddress({ host: "::1", port: 7946 })).toBe("[::1]:7946")
    expect(formatAddress({ host: "10.0.0.1", port: 7946 })).toBe("10.0.0.1:7946")
    expect(addressKey({ host: "::ffff:10.0.0.1", port: 1 })).toBe(addressKey({ host: "10.0.0.1", port: 1 }))
    expect(addressKey({ host: "10.0.0.1", port: 1 })).not.toBe(addressKey({ host: "10.0.0.1", port: 2 }))
  })

  it("knows the family of IP literals only", () => {
    expect(ipFamily("127.0.0.1")).toBe(4)
    expect(ipFamily("::")).toBe(6)
    expect(ipFamily("localhost")).toBeUndefined()
  })
})
