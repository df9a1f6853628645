/**
 * Keyed broadcasts: a newer broadcast with the same key replaces the older
 * one, so 1,000 updates of one key end with the last value everywhere, for a
 * fraction of the gossip that 1,000 separate broadcasts cost.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Ref, Stream } from "effect"
import * as Memberlist from "../../../src/Memberlist.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

const updates = 1000
const members = 5

/** Starts a converged cluster, has node-0 broadcast `updates` values, and waits until the others settle. */
const run = (key: string | undefined) =>
  Effect.gen(function*() {
    const { members: all } = yield* VirtualCluster.makeConverged(members)
    const [origin, ...others] = all
    const last = yield* Effect.forEach(others, (m) =>
      Effect.gen(function*() {
        const values = yield* Ref.make<ReadonlyArray<number>>([])
        const received = yield* m.member.receive
        yield* Effect.forkScoped(Stream.runForEach(received, (r) => Ref.update(values, (vs) => [...vs, r.message.n])))
        return values
      }))
    const bytesBefore = yield* VirtualCluster.counted(Memberlist.metrics.bytesOut)
    for (let n = 0; n < updates; n++) {
      yield* origin!.member.broadcast(new VirtualCluster.Note({ n }), key === undefined ? undefined : { key })
    }
    // Long enough for every queued broadcast to be sent as often as it is allowed.
    const settled = yield* VirtualCluster.advanceUntil(
      Effect.map(Effect.forEach(last, Ref.get), (lists) => lists.every((vs) => vs.includes(updates - 1))),
      Duration.seconds(30),
      "every member has the last value"
    )
    yield* VirtualCluster.advanceUntil(Effect.succeed(false), Duration.seconds(20), "the queues drain").pipe(Effect.ignore)
    const bytes = (yield* VirtualCluster.counted(Memberlist.metrics.bytesOut)) - bytesBefore
    return { lists: yield* Effect.forEach(last, Ref.get), bytes, settled }
  })

describe("keyed broadcasts", () => {
  it.scoped(`${updates} updates of one key: every member ends with the last value, for under a fifth of the bytes of ${updates} broadcasts`, () =>
    Effect.gen(function*() {
      const keyed = yield* Effect.scoped(run("config"))
      for (const values of keyed.lists) {
        expect(values[values.length - 1]).toBe(updates - 1)
        // Values only move forward: an older one never arrives after a newer one.
        for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!)
      }
      const separate = yield* Effect.scoped(run(undefined))
      if (process.env.KEYED_REPORT === "1") {
        console.log(`keyed: ${keyed.bytes} bytes, ${keyed.lists.map((l) => l.length).join("/")} delivered; ` +
          `separate: ${separate.bytes} bytes, ${separate.lists.map((l) => l.length).join("/")} delivered`)
      }
      expect(keyed.bytes).toBeLessThan(separate.bytes / 5)
    }), { timeout: 120_000 })

  it.scoped("a key longer than 255 bytes is refused with InvalidOptions", () =>
    Effect.gen(function*() {
      const { members: [m] } = yield* VirtualCluster.makeConverged(1)
      const error = yield* Effect.flip(m!.member.broadcast(new VirtualCluster.Note({ n: 1 }), { key: "k".repeat(256) }))
      expect(error._tag).toBe("InvalidOptions")
    }))
})
