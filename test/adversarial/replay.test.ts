/**
 * Attack: replaying a capture of an old accusation after its subject
 * restarted. Encryption authenticates a packet but says nothing of when it
 * was sent (memberlist's wire has no timestamp and Go checks no nonce), so a
 * captured "x is dead" decrypts fine later. What made the replay win was the
 * restart: x came back at incarnation 1, below the capture, once its peers
 * had forgotten the old x. A node now starts at its clock's seconds, so the
 * capture is stale.
 *
 * Figure: a capture of "dead at 3" replayed 100 s later against x restarted
 * changes nothing (before: x dead until it refuted, 183 ms on real hosts).
 */
import { describe, expect, it } from "@effect/vitest"
import { CoreDriver, NodeState, alive, dead } from "../internal/swim/driver.js"

describe("a replayed accusation after a restart", () => {
  it("is stale: the restarted member starts above every incarnation it held", () => {
    const observer = new CoreDriver({ name: "o", seed: 3 })
    observer.addMembers(["m"])
    observer.responders.add("m")
    // (learned without hearing from x lately: a dead about a member heard from within the min
    // suspicion timeout is only a suspicion, see inTouch.ts)
    observer.addMember("x", { incarnation: 3 })
    const capture = dead("x", 3, "m")
    // x really dies: the observer declares it (here: the captured message itself, when it was news)
    observer.receive("m", capture)
    expect(observer.member("x")?.state).toBe(NodeState.Dead)
    // ...and forgets it after gossipToTheDeadTime
    observer.advanceBy(observer.config.gossipToTheDeadTime + 10 * observer.config.probeInterval)
    expect(observer.member("x")).toBeUndefined()
    // x restarts 100 s in and announces itself
    const x = new CoreDriver({ name: "x", seed: 4, start: false })
    x.now = observer.now
    x.input({ _tag: "Start" })
    const restartedAt = x.member("x")!.incarnation
    expect(restartedAt).toBeGreaterThan(3)
    observer.receive("x", alive("x", restartedAt))
    expect(observer.member("x")?.state).toBe(NodeState.Alive)
    // the replay
    const mark = observer.mark()
    observer.receive("attacker", capture)
    expect(observer.member("x")?.state).toBe(NodeState.Alive)
    expect(observer.eventsOf("MemberFailed", mark)).toEqual([])
  })
})
