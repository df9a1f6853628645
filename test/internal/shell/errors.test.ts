/**
 * Each tagged error raised for real by the operation that names it, on
 * virtual time: what the caller gets, with the data it needs.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as Memberlist from "../../../src/Memberlist.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

const { Note } = VirtualCluster

/** Where no one listens. */
const nowhere = VirtualCluster.addressOf(7)

const twoMembers = Effect.map(VirtualCluster.makeConverged(2), ({ cluster, members }) => ({ cluster, a: members[0]!, b: members[1]! }))

describe("each operation's errors, raised", () => {
  it.scoped("send and sendReliable: UnknownMember names the member, InvalidMessage keeps the schema's error, TransportFailed the transport's", () =>
    Effect.gen(function*() {
      const { a } = yield* twoMembers
      expect(yield* Effect.flip(a.member.send("nobody", new Note({ n: 1 })))).toEqual(new Memberlist.UnknownMember({ name: "nobody" }))
      expect((yield* Effect.flip(a.member.sendReliable("nobody", new Note({ n: 1 }))))._tag).toBe("UnknownMember")
      const invalid = yield* Effect.flip(a.member.send("node-1", { _tag: "Note", n: "one" } as never))
      if (invalid._tag !== "InvalidMessage") return expect.fail(`expected InvalidMessage, got ${invalid._tag}`)
      expect(invalid.cause._tag).toBe("ParseError")
      const failed = yield* Effect.flip(a.member.sendReliable(nowhere, new Note({ n: 1 })))
      if (failed._tag !== "TransportFailed") return expect.fail(`expected TransportFailed, got ${failed._tag}`)
      expect([failed.to, failed.cause.reason]).toEqual([nowhere, "ConnectFailed"])
    }))

  it.scoped("updateMetadata: MetadataTooLarge with the size and the limit; after a leave, NotRunning for it and for broadcast", () =>
    Effect.gen(function*() {
      const { a } = yield* twoMembers
      expect(yield* Effect.flip(a.member.updateMetadata(new Uint8Array(600)))).toEqual(
        new Memberlist.MetadataTooLarge({ size: 600, limit: 512 })
      )
      yield* VirtualCluster.whileAdvancing(a.member.leave(), Duration.seconds(5), "a leaves")
      expect(yield* Effect.flip(a.member.updateMetadata(new Uint8Array(1)))).toEqual(
        new Memberlist.NotRunning({ operation: "updateMetadata" })
      )
      expect(yield* Effect.flip(a.member.broadcast(new Note({ n: 1 })))).toEqual(new Memberlist.NotRunning({ operation: "broadcast" }))
    }))

  it.scoped("after the member's scope closed: broadcast and updateMetadata fail with NotRunning, join with JoinFailed, leave returns; none waits", () =>
    Effect.gen(function*() {
      const { a, b } = yield* twoMembers
      yield* VirtualCluster.whileAdvancing(a.stop, Duration.seconds(5), "a stops")
      // No clock advance from here: a call that waited for the stopped protocol fiber would hang the test.
      expect(yield* Effect.flip(a.member.broadcast(new Note({ n: 1 })))).toEqual(new Memberlist.NotRunning({ operation: "broadcast" }))
      expect(yield* Effect.flip(a.member.updateMetadata(new Uint8Array(1)))).toEqual(
        new Memberlist.NotRunning({ operation: "updateMetadata" })
      )
      expect(yield* Effect.flip(a.member.join([b.address]))).toEqual(new Memberlist.JoinFailed({ seeds: [b.address] }))
      yield* a.member.leave()
    }))

  it.scoped("join: JoinFailed with the seeds tried when none answers", () =>
    Effect.gen(function*() {
      const { a } = yield* twoMembers
      const failed = yield* VirtualCluster.whileAdvancing(Effect.flip(a.member.join([nowhere])), Duration.seconds(10), "the join ends")
      expect(failed).toEqual(new Memberlist.JoinFailed({ seeds: [nowhere] }))
    }))

  it.scoped("leave: LeaveTimeout with the timeout, when the leave cannot be gossiped in time", () =>
    Effect.gen(function*() {
      const { a } = yield* twoMembers
      const failed = yield* VirtualCluster.whileAdvancing(Effect.flip(a.member.leave(Duration.millis(1))), Duration.seconds(1), "the leave ends")
      expect(failed).toEqual(new Memberlist.LeaveTimeout({ timeout: Duration.millis(1) }))
    }))

  it.scoped("make: InvalidOptions names the option", () =>
    Effect.gen(function*() {
      const cluster = yield* VirtualCluster.make()
      const failed = yield* Effect.flip(
        cluster.start({ name: "bad", address: VirtualCluster.addressOf(0), eventBuffer: { capacity: 0 } })
      )
      expect(failed).toBeInstanceOf(Memberlist.InvalidOptions)
      expect((failed as Memberlist.InvalidOptions).option).toBe("eventBuffer")
    }))
})
