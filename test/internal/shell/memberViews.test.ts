/**
 * `members` and `allMembers` read the member table in one pass into a presized array: what they hold,
 * in what order, and that each call hands out a new array.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as VirtualCluster from "../../support/virtualCluster.js"

describe("member views", () => {
  it.scoped("members: the alive and suspect in table order; allMembers: also the dead, in the same order", () =>
    Effect.gen(function*() {
      const { members } = yield* VirtualCluster.makeConverged(4)
      const [watcher, , gone] = members
      const before = yield* watcher!.member.allMembers
      expect(before.map((m) => m.state)).toEqual(["alive", "alive", "alive", "alive"])
      expect((yield* watcher!.member.members).map((m) => m.name)).toEqual(before.map((m) => m.name))

      yield* gone!.stop
      yield* VirtualCluster.advanceUntil(
        Effect.map(watcher!.member.members, (view) => !view.some((m) => m.name === gone!.name)),
        Duration.seconds(30),
        "the stopped member out of the live view"
      )
      const all = yield* watcher!.member.allMembers
      const live = yield* watcher!.member.members
      expect(all.map((m) => m.name)).toEqual(before.map((m) => m.name))
      expect(all.find((m) => m.name === gone!.name)?.state).toMatch(/^(dead|left)$/)
      expect(live.map((m) => m.name)).toEqual(all.filter((m) => m.name !== gone!.name).map((m) => m.name))
      expect(live.length).toBe(3)
      expect(yield* watcher!.member.members).not.toBe(live)
    }))
})
