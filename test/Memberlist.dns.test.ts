import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as Discovery from "../src/Discovery.js"
import { eventually, seesExactly, startMember } from "./support/cluster.js"
import * as Dnsmasq from "./support/dnsmasq.js"

// Loopback 127.0.0.0/8 is all ours: each member gets its own address on one port, as pods behind a headless service.
const port = 17_946
const ip = (i: number) => `127.0.0.${10 + i}`
const periods = (n: number) => Duration.times(Duration.seconds(1), n)

describe("members find each other through a real DNS server (dnsmasq)", () => {
  it.scopedLive("A records: every member that the name lists joins; new records mid-run are picked up", () =>
    Effect.gen(function*() {
      const dns = yield* Dnsmasq.start({ hosts: { "peers.test": [ip(0)], "late.test": [] } })
      const viaDns = (name: string) => Discovery.dns({ name, port, type: "A", server: dns.server, timeoutMillis: 2000 })

      const first = yield* startMember({ name: "dns-0", seeds: [], host: ip(0), port, discovery: viaDns("peers.test") })
      const others = yield* Effect.forEach([1, 2, 3], (i) =>
        startMember({ name: `dns-${i}`, seeds: [], host: ip(i), port, discovery: viaDns("peers.test") }))
      const all = [first, ...others]
      yield* eventually(seesExactly(all, all.map((m) => m.name)), periods(20), "4 members meet through peers.test")

      // A member whose name has no records yet stays alone, and joins as soon as the records appear.
      const late = yield* startMember({ name: "dns-late", seeds: [], host: ip(9), port, discovery: viaDns("late.test") })
      yield* Effect.sleep(periods(3))
      expect((yield* late.member.members).map((m) => m.name)).toEqual(["dns-late"])
      yield* dns.setRecords({ hosts: { "peers.test": [ip(0)], "late.test": [ip(2), ip(3)] } })
      yield* eventually(seesExactly([...all, late], [...all, late].map((m) => m.name)), periods(20),
        "the late member joins after its records appear")
      yield* Effect.forEach([late, ...others, first], (m) => m.stop, { discard: true })
    }), { timeout: 90_000 })

  it.scopedLive("SRV records carry each member's port", () =>
    Effect.gen(function*() {
      const ports = [17_950, 17_951, 17_952]
      const dns = yield* Dnsmasq.start({
        hosts: { "member.test": ["127.0.0.1"] },
        srv: ports.map((p) => ({ name: "_swim._udp.peers.test", target: "member.test", port: p }))
      })
      const discovery = Discovery.dns({ name: "_swim._udp.peers.test", type: "SRV", server: dns.server, timeoutMillis: 2000 })
      const members = yield* Effect.forEach(ports, (p, i) =>
        startMember({ name: `srv-${i}`, seeds: [], host: "127.0.0.1", port: p, discovery }))
      yield* eventually(seesExactly(members, members.map((m) => m.name)), periods(20), "3 members meet through SRV")
      yield* Effect.forEach(members, (m) => m.stop, { discard: true })
    }), { timeout: 60_000 })
})
