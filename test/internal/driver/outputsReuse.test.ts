/**
 * The driver keeps one outputs array for its steps (driver.ts `reused`): a step's outputs are performed
 * and read before the method that stepped returns. These tests hold it to that: a step begun from inside
 * another (an output's callback stepping again) must not disturb the outer step's outputs, and a reply
 * read from the outputs after the step is the step's own.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Driver from "../../../src/internal/driver/driver.js"
import type { Runtime } from "../../../src/internal/driver/runtime.js"
import { defaultVersions, lanTimings } from "../../../src/internal/swim/config.js"
import * as Core from "../../../src/internal/swim/core.js"
import type { MembershipEvent, Output } from "../../../src/internal/swim/io.js"
import { addressOf, alive, NodeState, pushState } from "../swim/driver.js"

const newCore = () =>
  Core.make({
    config: { ...lanTimings, name: "self", address: addressOf("self"), meta: new Uint8Array(0), versions: defaultVersions },
    seed: 1
  })

/** A runtime that records published events, and runs `onPublish` for each (to step again from inside a step). */
const runtimeWith = (onPublish: (event: MembershipEvent) => void) => {
  const events: Array<string> = []
  const ignore = () => {}
  const runtime: Runtime = {
    now: () => 0,
    send: ignore,
    streamPing: ignore,
    pushPull: ignore,
    schedule: ignore,
    publish: (event) => {
      events.push(event._tag === "MemberJoined" ? `joined ${event.member.name}` : event._tag)
      onPublish(event)
    },
    deliver: ignore,
    mergeAppState: ignore,
    discover: ignore,
    dropped: ignore
  }
  return { runtime, events }
}

describe("Driver outputs array", () => {
  it("a step run from inside a step leaves the outer step's remaining outputs to be performed", () => {
    let driver: Driver.Driver | undefined
    let nested = false
    const { events, runtime } = runtimeWith((event) => {
      // On the first join published, step again from inside the step: another member's greeting.
      if (!nested && event._tag === "MemberJoined" && event.member.name === "a") {
        nested = true
        driver!.handle({ _tag: "Received", from: addressOf("c"), messages: [alive("c", 1)], via: "packet" })
      }
    })
    driver = Driver.make(newCore(), runtime)
    driver.call({ _tag: "Start" })
    events.length = 0
    // One packet from a's address with a's alive and b's: a speaks for itself and joins now, b's is
    // relayed and only becomes a candidate; c joins in the nested step.
    driver.handle({ _tag: "Received", from: addressOf("a"), messages: [alive("a", 1), alive("b", 1)], via: "packet" })
    expect(nested).toBe(true)
    // The outer step's later output (the member is no longer alone) comes after the nested step's, once:
    // a shared array would have lost it, or performed the nested step's outputs twice.
    expect(events).toEqual(["joined a", "joined c", "LocalStatus"])
    expect(driver.core.members.has("a")).toBe(true)
    expect(driver.core.members.has("c")).toBe(true)
  })

  it("a stream request is answered from its own step's outputs, not an earlier step's", () => {
    const outputs: Array<Output> = []
    const { runtime } = runtimeWith(() => {})
    const driver = Driver.make(newCore(), runtime, { onOutput: (o) => outputs.push(o) })
    driver.call({ _tag: "Start" })
    const answers: Array<ReadonlyArray<string>> = []
    for (const peer of ["p1", "p2"]) {
      driver.request(
        { _tag: "PushPullRequest", from: addressOf(peer), join: true, states: [pushState(peer, NodeState.Alive, 1)] },
        (answer) => answers.push(answer?._tag === "PushPull" ? answer.states.map((s) => s.name).sort() : [])
      )
    }
    // Each answer is the view before that request's merge (memberlist answers with its state first).
    expect(answers).toEqual([["self"], ["p1", "self"]])
    expect(outputs.filter((o) => o._tag === "PushPullReply")).toHaveLength(2)
  })

  it("Core.step writes into the array it is given and returns it", () => {
    const core = newCore()
    const out: Array<Output> = []
    expect(Core.step(core, { _tag: "Start" }, 0, out)).toBe(out)
    expect(out.length).toBeGreaterThan(0)
  })
})
