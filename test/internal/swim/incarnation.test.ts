/**
 * Incarnations that cannot be exhausted (incarnation.ts): serial-number
 * order, so a refutation always wins, and a window beyond which a claim
 * about another member is not taken on someone else's word.
 */
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect } from "effect"
import * as SwimConfig from "../../../src/SwimConfig.js"
import { above, beyondWindow, isNewer, isOlder, nextIncarnation } from "../../../src/internal/swim/incarnation.js"
import { addressOf, alive, CoreDriver, dead, NodeState, suspect } from "./driver.js"

const top = 0xffffffff

const unconfirmed = (d: CoreDriver, since = 0) =>
  d.outputsOf("Dropped", since).filter((o) => o.reason === "Unconfirmed")

describe("serial-number order", () => {
  it("one above anything is newer, across the wrap", () => {
    expect(nextIncarnation(top)).toBe(0)
    expect(isNewer(0, top)).toBe(true)
    expect(isOlder(top, 0)).toBe(true)
    expect(above(top, 2 ** 31 + 10)).toBe(0)
    expect(above(2 ** 31 + 10, top)).toBe(0)
    expect(above(5, top)).toBe(6) // 2^32-1 is older than 5: three below it, in serial order
    expect(above(7, 3)).toBe(8)
    for (const a of [0, 1, 1000, 2 ** 31 - 1, 2 ** 31, top - 1, top]) {
      expect(isNewer(nextIncarnation(a), a)).toBe(true)
      expect(isNewer(a, a)).toBe(false)
    }
  })

  it("agrees with plain order for values less than 2^31 apart that do not wrap", () => {
    const pairs = [[1, 2], [0, 1000], [5, 2 ** 31 - 1], [2 ** 31, top]] as const
    for (const [a, b] of pairs) {
      expect(isNewer(b, a)).toBe(true)
      expect(isNewer(a, b)).toBe(false)
    }
  })

  it("at exactly 2^31 apart the larger value is newer, so the order stays antisymmetric", () => {
    expect(isNewer(2 ** 31 + 3, 3)).toBe(true)
    expect(isNewer(3, 2 ** 31 + 3)).toBe(false)
  })

  it("the uint32 fast path orders as the arithmetic definition does, edges and random pairs", () => {
    const reference = (a: number, b: number) => {
      const d = (((a - b) % 2 ** 32) + 2 ** 32) % 2 ** 32
      return d !== 0 && (d < 2 ** 31 || (d === 2 ** 31 && a > b))
    }
    const edges = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, top - 1, top]
    let x = 987654321
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 32)
    const values = [...edges, ...Array.from({ length: 200 }, next)]
    for (const a of values) {
      for (const b of edges) {
        expect(isNewer(a, b)).toBe(reference(a, b))
        expect(isNewer(b, a)).toBe(reference(b, a))
      }
    }
    // Outside uint32 (never after validation), the arithmetic definition still answers.
    expect(isNewer(2 ** 32 + 1, 0)).toBe(reference(2 ** 32 + 1, 0))
    expect(isNewer(-1, 0)).toBe(reference(-1, 0))
  })

  it("the window: newer by more than it", () => {
    expect(beyondWindow(1 + 1024, 1, 1024)).toBe(false)
    expect(beyondWindow(1 + 1025, 1, 1024)).toBe(true)
    expect(beyondWindow(top, 1, 1024)).toBe(false) // older in serial order: stale, not ahead
  })
})

describe("forged incarnations about another member", () => {
  const setup = () => {
    const d = new CoreDriver({ seed: 5 })
    d.addMembers(["a", "b", "attacker"])
    return d
  }

  it("a suspect or dead at 2^32-1 is stale: the member stays alive and no suspicion starts", () => {
    const d = setup()
    const mark = d.mark()
    d.receive("attacker", suspect("a", top, "attacker"), dead("a", top, "attacker"), dead("b", top, "b"))
    expect(d.member("a")?.state).toBe(NodeState.Alive)
    expect(d.member("a")?.incarnation).toBe(1)
    expect(d.member("b")?.state).toBe(NodeState.Alive)
    expect(d.state.suspicions.size).toBe(0)
    expect(d.eventsOf("MemberSuspected", mark)).toEqual([])
  })

  it("an accusation far ahead is taken at the known incarnation, and the member's ordinary refutation ends it", () => {
    const d = setup()
    const mark = d.mark()
    d.receive("attacker", dead("a", 1 + 2 ** 20, "attacker"))
    expect(d.member("a")?.state).toBe(NodeState.Suspect)
    expect(d.member("a")?.incarnation).toBe(1)
    expect(unconfirmed(d, mark).length).toBe(1)
    // what we pass on is the accusation at the incarnation we know, never the forged one
    for (const m of d.membershipQueue()) if (m._tag === "Suspect" || m._tag === "Dead") expect(m.incarnation).toBe(1)
    d.receive("a", alive("a", 2))
    expect(d.member("a")?.state).toBe(NodeState.Alive)
    expect(d.eventsOf("MemberFailed", mark)).toEqual([])
  })

  it("a forged leave far ahead is only a suspicion", () => {
    const d = setup()
    d.receive("attacker", dead("a", 2 ** 31 - 1, "a"))
    expect(d.member("a")?.state).toBe(NodeState.Suspect)
  })

  it("an alive far ahead is believed from the member itself only", () => {
    const d = setup()
    const mark = d.mark()
    d.receive("attacker", alive("a", 2 ** 20))
    expect(d.member("a")?.incarnation).toBe(1)
    expect(unconfirmed(d, mark).length).toBe(1)
    d.receive("a", alive("a", 2 ** 20))
    expect(d.member("a")?.incarnation).toBe(2 ** 20)
  })

  it("an alive at 2^32-1 from the member's own address (spoofed) still leaves room to refute: 0 beats it", () => {
    const d = setup()
    d.receive(addressOf("a"), alive("a", 2 ** 31))
    d.receive(addressOf("a"), alive("a", top))
    expect(d.member("a")?.incarnation).toBe(top)
    d.receive("b", suspect("a", top, "b"))
    expect(d.member("a")?.state).toBe(NodeState.Suspect)
    d.receive("a", alive("a", 0))
    expect(d.member("a")?.state).toBe(NodeState.Alive)
    expect(d.member("a")?.incarnation).toBe(0)
  })

  it("claims within the window behave as before", () => {
    const d = setup()
    d.receive("b", alive("a", 1000))
    expect(d.member("a")?.incarnation).toBe(1000)
    d.receive("b", suspect("a", 1500, "b"))
    expect(d.member("a")?.state).toBe(NodeState.Suspect)
    expect(d.member("a")?.incarnation).toBe(1500)
  })
})

describe("accusations about this node", () => {
  it("at 2^32-1: refuted at 0, which a peer holding 2^32-1 takes as newer", () => {
    const x = new CoreDriver({ name: "x", seed: 1 })
    x.addMembers(["m"])
    x.receive("m", suspect("x", 1 + 2 ** 31, "m")) // newer in serial order: refuted above it
    const refutedAt = x.member("x")!.incarnation
    expect(refutedAt).toBe(2 + 2 ** 31)
    x.receive("m", suspect("x", top, "m"))
    expect(x.member("x")?.incarnation).toBe(0)
    // a peer that had been made to hold x at 2^32-1 (say, a spoofed alive) and suspects it
    const o = new CoreDriver({ name: "o", seed: 2 })
    o.receive(addressOf("x"), alive("x", top))
    o.receive("m", suspect("x", top, "m"))
    expect(o.member("x")?.state).toBe(NodeState.Suspect)
    o.receive("x", alive("x", x.member("x")!.incarnation))
    expect(o.member("x")?.state).toBe(NodeState.Alive)
  })

  it("far above our own after a restart: the window does not apply to ourselves, the refutation goes above it", () => {
    const x = new CoreDriver({ name: "x", seed: 1 })
    x.addMembers(["m"])
    x.receive("m", suspect("x", 5000, "m"))
    expect(x.member("x")?.incarnation).toBe(5001)
  })

  it("rejoin and metadata updates wrap too", () => {
    const x = new CoreDriver({ name: "x", seed: 1 })
    x.addMembers(["m"])
    for (const accused of [2 ** 31, 2 ** 31 + 2 ** 30, top - 1]) x.receive("m", suspect("x", accused, "m"))
    expect(x.member("x")?.incarnation).toBe(top)
    x.input({ _tag: "UpdateMetadata", meta: new Uint8Array([1]) })
    expect(x.member("x")?.incarnation).toBe(0)
  })
})

describe("incarnationWindow in SwimConfig", () => {
  it.effect("defaults to 1024, is read from SWIM_INCARNATION_WINDOW, and must be a positive integer", () =>
    Effect.gen(function*() {
      expect(SwimConfig.lan({ name: "a" }).incarnationWindow).toBe(1024)
      const provider = ConfigProvider.fromMap(new Map([["SWIM_NAME", "a"], ["SWIM_INCARNATION_WINDOW", "64"]]), { pathDelim: "_" }).pipe(
        ConfigProvider.constantCase
      )
      const fromEnv = yield* Effect.withConfigProvider(Config.nested(SwimConfig.config, "swim"), provider)
      expect(fromEnv.incarnationWindow).toBe(64)
      const refused = yield* Effect.flip(SwimConfig.validate({ ...SwimConfig.lan({ name: "a" }), incarnationWindow: 0 }))
      expect(refused.field).toBe("incarnationWindow")
    }))

  it("reaches the core: a window of 10 refuses a jump of 11", () => {
    const d = new CoreDriver({ seed: 5, timings: { incarnationWindow: 10 } })
    d.addMembers(["a", "b"])
    d.receive("b", alive("a", 12))
    expect(d.member("a")?.incarnation).toBe(1)
    d.receive("b", alive("a", 11))
    expect(d.member("a")?.incarnation).toBe(11)
  })
})
