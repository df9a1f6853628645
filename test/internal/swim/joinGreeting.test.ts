/**
 * The greeting after a join: the newcomer sends its own alive to the live
 * members its seed told it of, so they admit it through the `own` door
 * (trust.ts) instead of holding it as a candidate, pinging it and waiting
 * for its ack. Without the greeting a LAN join storm of 50 took 0.9-1.9 s
 * of virtual time until the last member had the full view (seeds 1-3),
 * and each member cost every other one a ping and an ack.
 */
import { describe, expect, it } from "@effect/vitest"
import { maxJoinGreetings } from "../../../src/internal/swim/join.js"
import * as Simulator from "../../../src/Simulator.js"
import { addressOf, alive, CoreDriver, NodeState, pushState } from "./driver.js"

describe("join greeting", () => {
  it("a join that merged a seed's view sends its own alive once to each live member, none to the dead", () => {
    const d = new CoreDriver({ name: "joiner" })
    d.advanceTo(1000)
    d.input({ _tag: "Join", seeds: [addressOf("s1")] })
    const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
    const mark = d.mark()
    d.input({
      _tag: "PushPullResponse",
      token: token!,
      states: [
        pushState("s1", NodeState.Alive, 1),
        pushState("m2", NodeState.Alive, 4),
        pushState("gone", NodeState.Dead, 3)
      ]
    })
    const greetings = d.sent("Alive", mark).filter(({ message }) => message.node === "joiner")
    expect(greetings.map(({ packet }) => packet.toName).sort()).toEqual(["m2", "s1"])
    for (const { message, packet } of greetings) {
      expect(packet.messages.length).toBe(1)
      expect(message.address).toEqual(addressOf("joiner"))
    }
    expect(d.outputsOf("JoinCompleted", mark)).toEqual([{ _tag: "JoinCompleted", contacted: 1, failed: 0 }])
  })

  it("a join that reached no seed greets no one", () => {
    const d = new CoreDriver({ name: "lonely", timings: { joinTimeout: 5000 } })
    d.input({ _tag: "Join", seeds: [addressOf("s1")] })
    const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
    const mark = d.mark()
    d.input({ _tag: "PushPullFailed", token: token!, reason: "timeout" })
    expect(d.sent("Alive", mark)).toEqual([])
  })

  it(`greets at most ${maxJoinGreetings} members of a large view, each once`, () => {
    const d = new CoreDriver({ name: "big-joiner" })
    d.advanceTo(1000)
    d.input({ _tag: "Join", seeds: [addressOf("b0")] })
    const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
    const mark = d.mark()
    const states = Array.from({ length: 300 }, (_, i) => pushState(`b${i}`, NodeState.Alive, 1))
    d.input({ _tag: "PushPullResponse", token: token!, states })
    const targets = d.sent("Alive", mark).filter(({ message }) => message.node === "big-joiner").map(({ packet }) => packet.toName)
    expect(targets.length).toBeGreaterThan(maxJoinGreetings / 2)
    expect(targets.length).toBeLessThanOrEqual(maxJoinGreetings)
    expect(new Set(targets).size).toBe(targets.length)
  })

  it("a member greeted by a newcomer admits it at once: no candidate ping", () => {
    const d = new CoreDriver({ name: "old" })
    d.addMember("seed")
    const mark = d.mark()
    d.receive("newcomer", alive("newcomer", 7))
    expect(d.member("newcomer")?.state).toBe(NodeState.Alive)
    expect(d.pings(mark)).toEqual([])
  })

  it("lan join storm of 50: the last member has the full view within 50 ms of virtual time (was 0.9-1.9 s)", () => {
    for (const seed of [1, 2, 3]) {
      const { join } = Simulator.runSync(Simulator.scenario({ nodes: 50, seed, preset: "lan", duration: 1000 })).result
      expect(join.unconverged, `seed ${seed}`).toBe(0)
      expect(join.worstNode, `seed ${seed}`).toBeLessThanOrEqual(50)
    }
  })
})
