import { describe, expect, it } from "@effect/vitest"
import type { NetworkInterfaceInfo } from "node:os"
import { advertiseHostFor } from "../../../src/internal/shell/advertise.js"

const nic = (address: string, family: "IPv4" | "IPv6", internal = false): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: "", mac: "", cidr: null, ...(family === "IPv6" ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo

describe("advertise address for a member bound to every interface", () => {
  it("keeps a specific bind address", () => {
    expect(advertiseHostFor("127.0.0.5", {})).toBe("127.0.0.5")
  })
  it("prefers a private IPv4 of a real interface over a public one and loopback", () => {
    const interfaces = { lo: [nic("127.0.0.1", "IPv4", true)], eth0: [nic("203.0.113.7", "IPv4")], eth1: [nic("10.1.2.3", "IPv4")] }
    expect(advertiseHostFor("0.0.0.0", interfaces)).toBe("10.1.2.3")
  })
  it("takes any IPv4 when none is private, and IPv6 only for ::", () => {
    expect(advertiseHostFor("0.0.0.0", { eth0: [nic("203.0.113.7", "IPv4")] })).toBe("203.0.113.7")
    expect(advertiseHostFor("::", { eth0: [nic("2001:db8::5", "IPv6"), nic("fe80::1", "IPv6")] })).toBe("2001:db8::5")
  })
  it("falls back to loopback when there is no real interface", () => {
    expect(advertiseHostFor("0.0.0.0", { lo: [nic("127.0.0.1", "IPv4", true)] })).toBe("127.0.0.1")
    expect(advertiseHostFor("::", {})).toBe("::1")
  })
})
