import { describe, expect, it } from "@effect/vitest"
import type { MembershipEvent } from "../../../src/internal/swim/io.js"
import { alive, CoreDriver, dead } from "./driver.js"

const connectivity = (events: ReadonlyArray<MembershipEvent>) =>
  events.flatMap((e) => (e._tag === "LocalStatus" && (e.cause === "isolated" || e.cause === "connected") ? [e.cause] : []))

describe("isolated / connected (foca's Idle / Active)", () => {
  it("connected when the first peer joins, isolated when the last one dies, connected again when one comes back", () => {
    const d = new CoreDriver()
    expect(connectivity(d.events())).toEqual([])
    // addMember does not count as hearing from them (a dead about a member heard from lately is a suspicion).
    d.addMember("a")
    expect(connectivity(d.events())).toEqual(["connected"])
    d.addMember("b")
    expect(connectivity(d.events())).toEqual(["connected"])
    d.receive("x", dead("a", 1, "x"))
    expect(connectivity(d.events())).toEqual(["connected"])
    d.receive("x", dead("b", 1, "x"))
    expect(connectivity(d.events())).toEqual(["connected", "isolated"])
    d.receive("b", alive("b", 2))
    expect(connectivity(d.events())).toEqual(["connected", "isolated", "connected"])
  })

  it("a peer that leaves gracefully also leaves this node isolated", () => {
    const d = new CoreDriver()
    d.receive("a", alive("a", 1))
    d.receive("a", dead("a", 1, "a"))
    expect(connectivity(d.events())).toEqual(["connected", "isolated"])
  })
})
