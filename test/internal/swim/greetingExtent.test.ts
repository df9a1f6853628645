/**
 * How many members a newcomer greets (join.ts): all of them when its view
 * fits in one probe interval's `own` budget, a sample of
 * `maxJoinGreetings` beyond. With a flat cap of 128, a LAN storm of 200
 * through one seed left each member to admit some 70 names through
 * candidate pings and the catch-up push/pull: the last full view came
 * 2.45-2.49 s in (seeds 1-2).
 */
import { describe, expect, it } from "@effect/vitest"
import { maxJoinGreetings } from "../../../src/internal/swim/join.js"
import { ownPerInterval } from "../../../src/internal/swim/trust.js"
import * as Simulator from "../../../src/Simulator.js"
import { addressOf, CoreDriver, NodeState, pushState } from "./driver.js"

const greetingTargets = (viewSize: number): Array<string> => {
  const d = new CoreDriver({ name: "joiner" })
  d.advanceTo(1000)
  d.input({ _tag: "Join", seeds: [addressOf("m0")] })
  const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
  const mark = d.mark()
  const states = Array.from({ length: viewSize }, (_, i) => pushState(`m${i}`, NodeState.Alive, 1))
  d.input({ _tag: "PushPullResponse", token: token!, states })
  return d.sent("Alive", mark).filter(({ message }) => message.node === "joiner").map(({ packet }) => packet.toName)
}

describe("greeting extent", () => {
  it(`greets every member of a view of ${ownPerInterval} others, each once`, () => {
    const targets = greetingTargets(ownPerInterval)
    expect(targets.length).toBe(ownPerInterval)
    expect(new Set(targets).size).toBe(ownPerInterval)
  })

  it(`greets a sample of ${maxJoinGreetings} in a view one larger`, () => {
    const targets = greetingTargets(ownPerInterval + 1)
    expect(targets.length).toBe(maxJoinGreetings)
    expect(new Set(targets).size).toBe(maxJoinGreetings)
  })

  it("lan join storm of 200, seeds 1-2: the last member has the full view within 50 ms of virtual time (was 2.45-2.49 s)", () => {
    for (const seed of [1, 2]) {
      const { join } = Simulator.runSync(Simulator.scenario({ nodes: 200, seed, preset: "lan", duration: 1000 })).result
      expect(join.unconverged, `seed ${seed}`).toBe(0)
      expect(join.worstNode, `seed ${seed}`).toBeLessThanOrEqual(50)
    }
  })
})
