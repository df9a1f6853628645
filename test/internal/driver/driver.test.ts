import { describe, expect, it } from "@effect/vitest"
import * as Driver from "../../../src/internal/driver/driver.js"
import type { Runtime } from "../../../src/internal/driver/runtime.js"
import { defaultVersions, lanTimings } from "../../../src/internal/swim/config.js"
import * as Core from "../../../src/internal/swim/core.js"
import type { Timer } from "../../../src/internal/swim/io.js"
import type { Address } from "../../../src/internal/swim/messages.js"
import { addressOf, alive, pushState, NodeState } from "../swim/driver.js"

/** A runtime that records what the driver asked it to do, by method. */
const recording = () => {
  const calls: Array<{ readonly method: string; readonly args: ReadonlyArray<unknown> }> = []
  const timers: Array<{ readonly at: number; readonly timer: Timer }> = []
  let now = 0
  const record = (method: string) => (...args: ReadonlyArray<unknown>) => {
    calls.push({ method, args })
  }
  const runtime: Runtime = {
    now: () => now,
    send: record("send"),
    streamPing: record("streamPing"),
    pushPull: record("pushPull"),
    schedule: (at, timer) => {
      timers.push({ at, timer })
      record("schedule")(at, timer)
    },
    publish: record("publish"),
    deliver: record("deliver"),
    mergeAppState: record("mergeAppState"),
    discover: record("discover"),
    dropped: record("dropped")
  }
  return {
    runtime,
    calls,
    timers,
    advance: (ms: number) => {
      now += ms
    },
    of: (method: string) => calls.filter((c) => c.method === method)
  }
}

const newCore = (name = "self") =>
  Core.make({
    config: { ...lanTimings, name, address: addressOf(name), meta: new Uint8Array(0), versions: defaultVersions },
    seed: 1
  })

const started = () => {
  const world = recording()
  const driver = Driver.make(newCore(), world.runtime)
  driver.call({ _tag: "Start" })
  return { world, driver }
}

describe("Driver", () => {
  it("performs each output through the runtime, in order", () => {
    const { world } = started()
    expect(world.of("publish").map((c) => (c.args[0] as { _tag: string })._tag)).toEqual(["MemberJoined", "LocalStatus"])
    // Start schedules the periodic ticks: probe, gossip, push/pull, discovery.
    const tags = world.timers.map((t) => t.timer._tag).sort()
    expect(tags).toEqual(["DiscoverTick", "GossipTick", "ProbeTick", "PushPullTick"])
    expect(world.of("send")).toEqual([])
  })

  it("answers a push/pull request from the outputs of the same step", () => {
    const { driver } = started()
    let answer: Driver.StreamAnswer | undefined | "none" = "none"
    driver.request({ _tag: "PushPullRequest", from: addressOf("peer"), join: true, states: [pushState("peer", NodeState.Alive, 1)] }, (a) => {
      answer = a
    })
    expect(answer).not.toBe("none")
    const states = (answer as unknown as Extract<Driver.StreamAnswer, { _tag: "PushPull" }>).states
    expect(states.map((s) => s.name).sort()).toEqual(["self"])
    expect(driver.core.members.has("peer")).toBe(true)
  })

  it("answers a stream ping for this node with an ack, and one for another node with nothing", () => {
    const { world, driver } = started()
    const answers: Array<Driver.StreamAnswer | undefined> = []
    const ping = (node: string) => ({ _tag: "Ping" as const, seqNo: 7, node, source: { address: addressOf("peer"), node: "peer" } })
    driver.request({ _tag: "Received", from: addressOf("peer"), messages: [ping("self")] }, (a) => answers.push(a))
    driver.request({ _tag: "Received", from: addressOf("peer"), messages: [ping("someone-else")] }, (a) => answers.push(a))
    expect(answers[0]?._tag).toBe("Messages")
    expect((answers[0] as Extract<Driver.StreamAnswer, { _tag: "Messages" }>).messages[0]?._tag).toBe("Ack")
    expect(answers[1]).toBeUndefined()
    expect(world.of("dropped").some((c) => (c.args[0] as { reason: string }).reason === "NotForUs")).toBe(true)
  })

  it("a join waits for JoinCompleted; overlapping joins share it", () => {
    const { world, driver } = started()
    const outcomes: Array<Driver.JoinOutcome> = []
    driver.join([addressOf("seed-a")], (o) => outcomes.push(o))
    driver.join([addressOf("seed-b")], (o) => outcomes.push(o))
    const starts = world.of("pushPull")
    expect(starts.length).toBe(2)
    expect(outcomes).toEqual([])
    driver.handle({ _tag: "PushPullResponse", token: starts[0]!.args[3] as number, states: [pushState("seed-a", NodeState.Alive, 1)] })
    expect(outcomes).toEqual([])
    driver.handle({ _tag: "PushPullFailed", token: starts[1]!.args[3] as number, reason: "refused" })
    expect(outcomes).toEqual([
      { _tag: "Completed", contacted: 1, failed: 1 },
      { _tag: "Completed", contacted: 1, failed: 1 }
    ])
  })

  it("a join before start is refused at once", () => {
    const world = recording()
    const driver = Driver.make(newCore(), world.runtime)
    const outcomes: Array<Driver.JoinOutcome> = []
    driver.join([addressOf("seed-a")], (o) => outcomes.push(o))
    expect(outcomes.length).toBe(1)
    expect(outcomes[0]?._tag).toBe("Refused")
  })

  it("a leave with no one to tell completes at once; a leave while left completes at once", () => {
    const { driver } = started()
    let done = 0
    driver.leave(() => done++)
    expect(done).toBe(1)
    expect(driver.core.status).toBe("left")
    driver.leave(() => done++)
    expect(done).toBe(2)
  })

  it("a leave with live peers completes only when LeaveCompleted comes out", () => {
    const { world, driver } = started()
    driver.handle({ _tag: "Received", from: addressOf("peer"), messages: [alive("peer", 1)], via: "packet" })
    let done = 0
    driver.leave(() => done++)
    expect(done).toBe(0)
    expect(driver.core.status).toBe("leaving")
    // Gossip ticks spread the leave; the core reports LeaveCompleted after enough sends.
    for (let i = 0; i < 200 && done === 0; i++) {
      const next = world.timers.filter((t) => t.timer._tag === "GossipTick").pop()!
      world.advance(Math.max(0, next.at - 0))
      driver.handle({ _tag: "TimerFired", timer: next.timer })
    }
    expect(done).toBe(1)
  })

  it("call returns why an API input was refused", () => {
    const { driver } = started()
    const refused = driver.call({ _tag: "Broadcast", payload: new Uint8Array(5000) })
    expect(refused?.reason).toBe("Rejected")
    expect(driver.call({ _tag: "Broadcast", payload: new Uint8Array(10) })).toBeUndefined()
  })

  it("Discover goes to the runtime's discovery; Discovered joins through what it found", () => {
    const { world, driver } = started()
    const tick = world.timers.find((t) => t.timer._tag === "DiscoverTick")!
    world.advance(tick.at)
    driver.handle({ _tag: "TimerFired", timer: tick.timer })
    expect(world.of("discover").length).toBe(1)
    const found: ReadonlyArray<Address> = [addressOf("seed-a"), addressOf("self")]
    driver.handle({ _tag: "Discovered", addresses: found })
    expect(world.of("pushPull").map((c) => c.args[0])).toEqual([addressOf("seed-a")])
  })
})
