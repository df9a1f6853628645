/**
 * The two additions to memberlist's detection traffic that are config
 * choices (docs/detection.md, "What detection traffic buys"): with
 * `verifySuspects` off a suspect gets no ping of its own besides the round
 * robin's probe; with `repeatDirectPing` off a probe's timeout sends the
 * indirect pings only, not the direct ping again.
 */
import { describe, expect, it } from "@effect/vitest"
import type { Timings } from "../../../src/internal/swim/config.js"
import { CoreDriver, probeUntil, suspect } from "./driver.js"

const names = (prefix: string, n: number): Array<string> => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** Pings to the six suspects over 20 s that were not the round robin's probes (those set a ProbeTimeout for their seqNo). */
const verificationPings = (timings: Partial<Timings>): number => {
  const members = names("m", 40)
  const suspects = new Set(members.slice(0, 6))
  const d = new CoreDriver({ seed: 8, timings })
  d.addMembers(members)
  for (const m of members.slice(6)) d.responders.add(m)
  for (const s of suspects) d.receive("m39", suspect(s, 1, "m39"))
  const mark = d.mark()
  d.advanceBy(20_000)
  const probes = new Set(d.timersSet("ProbeTimeout").map((t) => t.timer.seqNo))
  return d.pings(mark).filter((p) => suspects.has(p.toName) && !probes.has(p.ping.seqNo)).length
}

/** Pings to a silent target carrying its probe's seqNo, from the probe's start to its timeout (inclusive). */
const directPingsOfOneProbe = (timings: Partial<Timings>): { direct: number; indirect: number } => {
  const d = new CoreDriver({ timings })
  d.addMembers(["a", "b", "c"])
  for (const m of ["a", "b", "c"]) d.responders.add(m)
  d.addMember("t")
  const mark = d.mark()
  const seqNo = probeUntil(d, "t")
  d.advanceTo(d.now + d.config.probeTimeout)
  return {
    direct: d.pings(mark).filter((p) => p.toName === "t" && p.ping.seqNo === seqNo).length,
    indirect: d.sent("IndirectPing", mark).filter((s) => s.message.seqNo === seqNo).length
  }
}

describe("detection traffic choices", () => {
  it("verifySuspects: on, six suspects get verification pings over 20 s; off, none", () => {
    expect(verificationPings({})).toBeGreaterThanOrEqual(18)
    expect(verificationPings({ verifySuspects: false })).toBe(0)
  })

  it("verifySuspects off leaves the round robin's probes of suspects in place", () => {
    const d = new CoreDriver({ seed: 8, timings: { verifySuspects: false, suspicionMult: 20 } })
    d.addMembers(names("m", 10))
    for (const m of names("m", 10)) d.responders.add(m)
    d.receive("m9", suspect("m0", 1, "m9"))
    const seqNo = probeUntil(d, "m0", 20)
    const ping = d.sent("Ping").find((s) => s.message.seqNo === seqNo)
    // the probe still carries the accusation, so a live suspect can refute it
    expect(ping?.packet.messages.some((m) => m._tag === "Suspect" && m.node === "m0")).toBe(true)
  })

  it("repeatDirectPing: on, a silent target gets the direct ping twice before the timeout's indirect pings; off, once", () => {
    expect(directPingsOfOneProbe({})).toEqual({ direct: 2, indirect: 3 })
    expect(directPingsOfOneProbe({ repeatDirectPing: false })).toEqual({ direct: 1, indirect: 3 })
  })
})
