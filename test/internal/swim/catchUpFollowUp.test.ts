/**
 * The follow-up catch-up (catchUp.ts): a member that turned away claims
 * about unknown names between its join and its catch-up push/pull does one
 * more, a catch-up delay later, and no more than that per join. In the
 * 1,000-member LAN storm (seed 7) the peer a member's catch-up picked was
 * often still catching up itself; the pairs it left were closed only as
 * stray gossip happened by.
 */
import { describe, expect, it } from "@effect/vitest"
import { maxFollowUps } from "../../../src/internal/swim/catchUp.js"
import { relayedPerSource } from "../../../src/internal/swim/trust.js"
import { addressOf, alive, CoreDriver, NodeState, pushState } from "./driver.js"

const timings = { gossipInterval: 200, pushPullInterval: 30_000, retransmitMult: 4 }

/** A member that joined through s1 at 1000 ms; returns it and its catch-up tick's time. */
const joined = () => {
  const d = new CoreDriver({ timings })
  d.responders.add("s1")
  d.advanceTo(1000)
  d.input({ _tag: "Join", seeds: [addressOf("s1")] })
  const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
  const mark = d.mark()
  d.input({ _tag: "PushPullResponse", token: token!, states: [pushState("s1", NodeState.Alive, 1)] })
  const [tick] = d.timersSet("PushPullTick", mark)
  return { d, catchUpAt: tick!.at }
}

/** A member that never joined (it knows m1 and m2) and turned a claim away at 1000 ms; the push/pull ticks that armed. */
const seedTurningClaimsAway = () => {
  const d = new CoreDriver({ timings })
  d.addMembers(["m1", "m2"])
  for (const n of ["m1", "m2"]) d.responders.add(n)
  d.advanceTo(1000)
  const mark = d.mark()
  for (let i = 0; i <= relayedPerSource; i++) d.receive("m1", alive(`flood-${i}`, 1))
  return { d, armed: d.timersSet("PushPullTick", mark) }
}

/** More new names from s1 than its relayed budget lets become candidates: some are turned away. */
const overflowFromSeed = (d: CoreDriver) => {
  for (let i = 0; i <= relayedPerSource; i++) d.receive("s1", alive(`unknown-${i}`, 1))
}

describe("catch-up after turned-away claims", () => {
  it("claims turned away before the catch-up bring one more catch-up a catch-up delay after it, then the period", () => {
    const { d, catchUpAt } = joined()
    overflowFromSeed(d)
    const mark = d.mark()
    d.advanceTo(catchUpAt)
    // the periodic tick armed as the catch-up fired is superseded by the follow-up's
    const next = d.timersSet("PushPullTick", mark).map((t) => t.at).filter((at) => at !== catchUpAt + 30_000)
    expect(next.length).toBe(1)
    const delay = catchUpAt - 1000
    // one catch-up delay (6 rounds of 200 ms with two members) plus under 200 ms of jitter
    expect(next[0]! - catchUpAt).toBeGreaterThanOrEqual(6 * 200)
    expect(next[0]! - catchUpAt).toBeLessThan(delay + 200)

    // turned away again before the follow-up: still no third catch-up (maxFollowUps = 1), the period resumes
    expect(maxFollowUps).toBe(1)
    for (let i = 0; i <= relayedPerSource; i++) d.receive("s1", alive(`later-${i}`, 1))
    const after = d.mark()
    d.advanceTo(next[0]!)
    expect(d.outputsOf("PushPullStart", after).length).toBe(1)
    expect(d.timersSet("PushPullTick", after).map((t) => t.at)).toEqual([next[0]! + 30_000])
  })

  it("a join that turned nothing away keeps the one catch-up, then the period", () => {
    const { d, catchUpAt } = joined()
    d.receive("s1", alive("one-new-name", 1))
    const mark = d.mark()
    d.advanceTo(catchUpAt)
    expect(d.timersSet("PushPullTick", mark).map((t) => t.at)).toEqual([catchUpAt + 30_000])
  })

  it("a member that never joined (a storm's seed) arms a catch-up when it turns claims away, at most once a push/pull interval", () => {
    const { d, armed } = seedTurningClaimsAway()
    expect(armed.length).toBe(1)
    expect(armed[0]!.at - 1000).toBeLessThan(30_000)

    // turned away again while it is armed: nothing new now
    const again = d.mark()
    for (let i = 0; i <= relayedPerSource; i++) d.receive("m2", alive(`more-${i}`, 1))
    expect(d.timersSet("PushPullTick", again)).toEqual([])
  })

  it("after the catch-up it armed, claims turned away within the push/pull interval arm none", () => {
    const { d, armed } = seedTurningClaimsAway()
    d.advanceTo(armed[0]!.at)
    expect(d.state.catchUp).toBeUndefined()
    d.advanceBy(d.config.probeInterval)
    const late = d.mark()
    for (let i = 0; i <= relayedPerSource; i++) d.receive("m2", alive(`late-${i}`, 1))
    expect(d.timersSet("PushPullTick", late)).toEqual([])
    expect(d.state.catchUp).toBeUndefined()
  })
})
