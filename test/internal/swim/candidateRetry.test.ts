/**
 * A candidate whose ping or ack was lost (admission.ts): a later claim
 * about it pings it again once a probe timeout has passed, spending the
 * claiming source's budget. Before, a candidate was pinged once; when that
 * ping or its ack was lost, the gossip that followed was ignored, and at
 * 10% loss a 100-member join storm kept one member blind to another until
 * the periodic push/pull, 90 s later (seeds 3 and 5 of 1-10).
 */
import { describe, expect, it } from "@effect/vitest"
import { relayedPerSource } from "../../../src/internal/swim/trust.js"
import * as Simulator from "../../../src/Simulator.js"
import { ack, candidatePings, memberWithPeers } from "./candidates.js"
import { alive, NodeState } from "./driver.js"

const setup = () => memberWithPeers(5)

describe("a candidate that did not answer", () => {
  it("is pinged again by a claim that comes a probe timeout after the last ping, not sooner; the answer admits it", () => {
    const d = setup()
    const mark = d.mark()
    d.receive("relay", alive("n", 2))
    const [first] = candidatePings(d, "n", mark)
    expect(first).toBeDefined()

    d.advanceBy(d.config.probeTimeout - 1)
    const early = d.mark()
    d.receive("a", alive("n", 2))
    expect(candidatePings(d, "n", early)).toEqual([])

    d.advanceBy(1)
    const due = d.mark()
    d.receive("b", alive("n", 2))
    const again = candidatePings(d, "n", due)
    expect(again.length).toBe(1)
    expect(again[0]!.message.seqNo).toBe(first!.message.seqNo)

    d.receive("n", ack(first!.message.seqNo))
    expect(d.member("n")?.state).toBe(NodeState.Alive)
  })

  it("repeated claims from one source draw at most its budget of pings a probe interval", () => {
    const d = setup()
    const names = Array.from({ length: 8 }, (_, i) => `ghost-${i}`)
    const mark = d.mark()
    const intervals = 6
    for (let k = 0; k < intervals * 20; k++) {
      for (const name of names) d.receive("relay", alive(name, 1))
      d.advanceBy(d.config.probeInterval / 20)
    }
    const pings = names.flatMap((name) => candidatePings(d, name, mark))
    expect(pings.length).toBeGreaterThan(names.length)
    expect(pings.length).toBeLessThanOrEqual((intervals + 1) * relayedPerSource)
    for (const name of names) expect(d.member(name)).toBeUndefined()
  })

  it("lan join storm of 100 at 10% loss, seeds 3 and 5: the last member has the full view within 5 s (was 91.6 s, 91.7 s)", () => {
    for (const seed of [3, 5]) {
      const network = { ...Simulator.defaultNetwork, loss: 0.1 }
      const { join } = Simulator.runSync(Simulator.scenario({ nodes: 100, seed, preset: "lan", network, duration: 1000 })).result
      expect(join.unconverged, `seed ${seed}`).toBe(0)
      expect(join.worstNode, `seed ${seed}`).toBeLessThanOrEqual(5000)
    }
  })
})
