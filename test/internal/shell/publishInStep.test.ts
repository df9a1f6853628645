/**
 * A membership event published by a step (nodeRuntime.ts `publish`) leaves
 * no effect for the driver fiber when it needs none: with no subscriber the
 * public event is not even built, and under `dropping` it is in the
 * subscriber's queue when the step ends. Only a drop to count (or another
 * strategy) leaves work, so a news alive no longer wakes the fiber.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Queue } from "effect"
import type * as Memberlist from "../../../src/Memberlist.js"
import * as Delivery from "../../../src/internal/shell/delivery.js"
import { MemberMetrics } from "../../../src/internal/shell/memberMetrics.js"
import { make, type NodeRuntimeOptions } from "../../../src/internal/shell/nodeRuntime.js"
import type { MembershipEvent as CoreEvent } from "../../../src/internal/swim/io.js"
import { NodeState } from "../../../src/internal/swim/messages.js"

const joined: CoreEvent = {
  _tag: "MemberJoined",
  member: {
    name: "newcomer",
    address: { host: "127.0.0.1", port: 7001 },
    meta: new Uint8Array(0),
    incarnation: 1,
    state: NodeState.Alive,
    versions: [1, 5, 5, 2, 5, 5],
    stateChangedAt: 0
  }
}

/** A runtime whose events go to `events`; `publish` touches nothing else but the clock and `toEvent`. */
const runtimeWith = (capacity: number) => {
  const member = new MemberMetrics("publish-in-step")
  const events = Delivery.make<Memberlist.MembershipEvent>("events", { capacity }, member)
  let built = 0
  const options = {
    events,
    metrics: member,
    now: () => 5,
    telemetry: { observe: () => {} },
    toEvent: (event: CoreEvent, at: number) => {
      built++
      return { ...event, at } as unknown as Memberlist.MembershipEvent
    }
  } as unknown as NodeRuntimeOptions<unknown>
  return { runtime: make(options), events, built: () => built }
}

describe("an event published in a step", () => {
  it("with no subscriber: nothing built, nothing left for the fiber", () => {
    const { built, runtime } = runtimeWith(4)
    runtime.publish(joined)
    expect(runtime.pending).toHaveLength(0)
    expect(built()).toBe(0)
  })

  it.effect("under dropping: in the queue when the step ends, nothing left for the fiber", () =>
    Effect.scoped(Effect.gen(function*() {
      const { built, events, runtime } = runtimeWith(4)
      const queue = yield* events.subscribe
      runtime.publish(joined)
      expect(runtime.pending).toHaveLength(0)
      expect(built()).toBe(1)
      expect(queue.unsafeSize()).toEqual(Option.some(1))
      expect((yield* Queue.take(queue))._tag).toBe("MemberJoined")
    })))

  it.effect("a full queue leaves the drop for the fiber to count", () =>
    Effect.scoped(Effect.gen(function*() {
      const { events, runtime } = runtimeWith(1)
      yield* events.subscribe
      runtime.publish(joined)
      runtime.publish(joined)
      expect(runtime.pending).toHaveLength(1)
      yield* runtime.pending[0]!
      expect(events.dropped()).toBe(1)
    })))
})
