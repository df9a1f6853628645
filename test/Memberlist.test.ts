import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Either, Exit, Fiber, Metric, Schema, Scope, Stream } from "effect"
import * as Memberlist from "../src/Memberlist.js"
import * as Transport from "../src/Transport.js"
import { encodePacket } from "../src/internal/wire/packet.js"
import { eventually, Hello, Invalidate, seesExactly, startCluster, startMember } from "./support/cluster.js"
import { counterTotal } from "../src/internal/metricTotal.js"

// The local preset probes every second; bounds below are in those periods.
const probe = Duration.seconds(1)
const periods = (n: number) => Duration.times(probe, n)

describe("Memberlist over real UDP/TCP on loopback", () => {
  it.scopedLive("20 members converge, exchange typed messages and broadcasts, and detect a stopped one", () =>
    Effect.gen(function*() {
      const members = yield* startCluster(20)
      const names = members.map((m) => m.name)
      yield* eventually(seesExactly(members, names), periods(30), "all 20 see all 20 alive")

      // Typed messages, best effort and reliable.
      const [a, b] = [members[3]!, members[11]!]
      const inbox = yield* Effect.fork(Stream.runCollect(Stream.take(yield* b.member.receive, 2)))
      yield* a.member.send(b.name, new Hello({ from: a.name, n: 1 }))
      yield* a.member.sendReliable(b.address, new Invalidate({ key: "users/42" }))
      const got = Chunk.toReadonlyArray(yield* Fiber.join(inbox).pipe(Effect.timeout(periods(10))))
      expect(got.map((r) => r.message)).toEqual(expect.arrayContaining([
        new Hello({ from: a.name, n: 1 }),
        new Invalidate({ key: "users/42" })
      ]))
      expect(got.every((r) => r.origin === undefined)).toBe(true)

      // A broadcast reaches every other member exactly once.
      const listeners = yield* Effect.forEach(members.filter((m) => m !== a), (m) =>
        Effect.flatMap(m.member.receive, (s) =>
          Effect.fork(Stream.runCollect(s.pipe(Stream.interruptWhen(Effect.sleep(periods(8))))))))
      yield* a.member.broadcast(new Invalidate({ key: "everyone" }))
      const heard = yield* Effect.forEach(listeners, Fiber.join)
      for (const chunk of heard) {
        const broadcasts = Chunk.toReadonlyArray(chunk).filter((r) => r.origin === a.name)
        expect(broadcasts.map((r) => r.message)).toEqual([new Invalidate({ key: "everyone" })])
      }

      // A member that stops without leaving is detected as failed by all others, and no one else is.
      const victim = members[7]!
      const survivors = members.filter((m) => m !== victim)
      const crashed = yield* startMemberCrashable(members[0]!.address)
      yield* eventually(seesExactly(survivors, [...names, crashed.name]), periods(30), "the extra member joins")
      yield* crashed.stop
      yield* eventually(
        Effect.map(Effect.forEach(survivors, (m) => m.member.allMembers), (views) =>
          views.every((v) => v.find((m) => m.name === crashed.name)?.state === "dead")),
        periods(60),
        "every survivor marks the crashed member dead"
      )
      for (const m of survivors) {
        const view = yield* m.member.members
        expect(view.map((x) => x.name).sort()).toEqual(names.slice().sort())
      }

      // A graceful leave is seen as a leave, not a failure.
      const events = yield* Effect.fork(Stream.runCollect(
        (yield* members[0]!.member.events).pipe(
          Stream.filter((e) => e._tag === "MemberLeft" || e._tag === "MemberFailed"),
          Stream.take(1)
        )
      ))
      yield* victim.stop
      const [event] = Chunk.toReadonlyArray(yield* Fiber.join(events).pipe(Effect.timeout(periods(30))))
      expect(event?._tag).toBe("MemberLeft")
      expect(event && "member" in event ? event.member.name : undefined).toBe(victim.name)
    }), { timeout: 180_000 })

  it.scopedLive("several subscribers each see every event and message; metadata updates reach others", () =>
    Effect.gen(function*() {
      const members = yield* startCluster(3)
      yield* eventually(seesExactly(members, members.map((m) => m.name)), periods(20), "3 converge")
      const [a, b] = [members[0]!, members[1]!]
      const subscribers = yield* Effect.forEach([1, 2, 3], () =>
        Effect.flatMap(b.member.receive, (s) => Effect.fork(Stream.runCollect(Stream.take(s, 2)))))
      const eventSubscribers = yield* Effect.forEach([1, 2], () =>
        Effect.flatMap(b.member.events, (s) =>
          Effect.fork(Stream.runCollect(s.pipe(
            Stream.filter((e) => e._tag === "MemberUpdated"),
            Stream.take(1)
          )))))
      yield* a.member.sendReliable(b.name, new Hello({ from: "a", n: 1 }))
      yield* a.member.sendReliable(b.name, new Hello({ from: "a", n: 2 }))
      for (const s of subscribers) {
        const got = Chunk.toReadonlyArray(yield* Fiber.join(s).pipe(Effect.timeout(periods(10))))
        expect(got.map((r) => (r.message as Hello).n).sort()).toEqual([1, 2])
      }
      yield* a.member.updateMetadata(new TextEncoder().encode("zone=b"))
      for (const s of eventSubscribers) {
        const [event] = Chunk.toReadonlyArray(yield* Fiber.join(s).pipe(Effect.timeout(periods(10))))
        expect(event?._tag).toBe("MemberUpdated")
        if (event?._tag === "MemberUpdated") expect(new TextDecoder().decode(event.member.meta)).toBe("zone=b")
      }
    }), { timeout: 60_000 })

  it.scopedLive("bad messages: a value failing its schema is an error at the sender; bad bytes are dropped and counted", () =>
    Effect.gen(function*() {
      const members = yield* startCluster(2)
      yield* eventually(seesExactly(members, members.map((m) => m.name)), periods(20), "2 converge")
      const [a, b] = [members[0]!, members[1]!]
      const bad = yield* Effect.flip(a.member.send(b.name, { _tag: "Hello", from: 3, n: "x" } as never))
      expect(bad).toBeInstanceOf(Memberlist.InvalidMessage)
      const unknown = yield* Effect.flip(a.member.send("nobody", new Hello({ from: "a", n: 1 })))
      expect(unknown).toEqual(new Memberlist.UnknownMember({ name: "nobody" }))
      const tooBig = yield* Effect.flip(a.member.send(b.name, new Invalidate({ key: "x".repeat(5000) })))
      expect(tooBig._tag).toBe("MessageTooLarge")
      if (tooBig._tag === "MessageTooLarge") expect(tooBig.size).toBeGreaterThan(tooBig.limit)
      const tooBigToGossip = yield* Effect.flip(a.member.broadcast(new Invalidate({ key: "x".repeat(5000) })))
      if (tooBigToGossip._tag !== "MessageTooLarge") return expect.fail(`expected MessageTooLarge, got ${tooBigToGossip._tag}`)
      expect(tooBigToGossip.size).toBeGreaterThan(5000)
      expect(tooBigToGossip.limit).toBeLessThan(1400)

      const rejectedBefore = yield* counterTotal(schemaRejections)
      const malformedBefore = yield* counterTotal(decodeRejections)
      const inbox = yield* Effect.fork(Stream.runCollect(Stream.take(yield* b.member.receive, 1)))
      // Raw packets from a plain socket: a user message that is not our schema, then garbage.
      const raw = yield* Transport.makeNode({ host: "127.0.0.1", port: 0 })
      yield* raw.sendPacket(b.address, encodePacket([{ _tag: "User", payload: new Uint8Array([1, 2, 3, 4]) }]))
      yield* raw.sendPacket(b.address, new Uint8Array([250, 1, 2, 3]))
      yield* a.member.send(b.name, new Hello({ from: "a", n: 7 }))
      const [first] = Chunk.toReadonlyArray(yield* Fiber.join(inbox).pipe(Effect.timeout(periods(10))))
      expect(first?.message).toEqual(new Hello({ from: "a", n: 7 }))
      yield* eventually(
        Effect.map(counterTotal(schemaRejections), (n) => n > rejectedBefore),
        periods(5),
        "the schema rejection is counted"
      )
      yield* eventually(
        Effect.map(counterTotal(decodeRejections), (n) => n > malformedBefore),
        periods(5),
        "the garbage packet is counted"
      )
      expect((yield* b.member.members).length).toBe(2)
    }), { timeout: 60_000 })

  it.scopedLive("a received message names its sender: send by its source address, sendReliable (from a temporary port) by the sender's envelope", () =>
    Effect.gen(function*() {
      const members = yield* startCluster(2)
      yield* eventually(seesExactly(members, members.map((m) => m.name)), periods(20), "2 converge")
      const [a, b] = [members[0]!, members[1]!]
      const inbox = yield* Effect.fork(Stream.runCollect(Stream.take(yield* b.member.receive, 2)))
      yield* a.member.send(b.name, new Hello({ from: a.name, n: 1 }))
      yield* a.member.sendReliable(b.name, new Hello({ from: a.name, n: 2 }))
      const got = Chunk.toReadonlyArray(yield* Fiber.join(inbox).pipe(Effect.timeout(periods(10))))
      const byN = (n: number) => got.find((r) => (r.message as Hello).n === n)!
      expect(byN(1).from).toEqual(a.address)
      // The stream came from a port that names no member: only the envelope can say who sent it.
      expect(byN(2).from.port).not.toBe(a.address.port)
      expect(got.map((r) => [(r.message as Hello).n, r.sender, r.origin]).sort()).toEqual([[1, a.name, undefined], [2, a.name, undefined]])
    }), { timeout: 60_000 })

  it.scopedLive("typed metadata: encoded by a schema, seen and decoded by the others", () =>
    Effect.gen(function*() {
      const Zone = Memberlist.metadata(Schema.Struct({ zone: Schema.String, weight: Schema.Number }))
      const members = yield* startCluster(2)
      yield* eventually(seesExactly(members, members.map((m) => m.name)), periods(20), "2 converge")
      const [a, b] = [members[0]!, members[1]!]
      yield* a.member.updateMetadata(yield* Zone.encode({ zone: "eu-1", weight: 3 }))
      yield* eventually(
        Effect.map(b.member.members, (view) => view.some((m) => m.name === a.name && m.meta.length > 0)),
        periods(10),
        "b sees a's metadata"
      )
      const seen = (yield* b.member.members).find((m) => m.name === a.name)!
      expect(yield* Zone.decode(seen)).toEqual({ zone: "eu-1", weight: 3 })
      const tooBig = yield* Effect.flip(Zone.encode({ zone: "x".repeat(600), weight: 1 }))
      expect(tooBig._tag).toBe("MetadataTooLarge")
      const other = (yield* b.member.members).find((m) => m.name === b.name)!
      expect(Either.isLeft(yield* Effect.either(Zone.decode(other)))).toBe(true)
    }), { timeout: 60_000 })

  it.live("a member started inside acquireRelease's (uninterruptible) acquire still stops when its scope closes", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      yield* Effect.acquireRelease(startMember({ name: "acquired", seeds: [] }), (m) => m.stop).pipe(Scope.extend(scope))
      const exit = yield* Scope.close(scope, Exit.void).pipe(Effect.timeout(periods(8)), Effect.exit)
      expect(Exit.isSuccess(exit)).toBe(true)
    }), { timeout: 30_000 })

  it.scopedLive("IPv6: members on ::1 form a cluster", () =>
    Effect.gen(function*() {
      const members = yield* startCluster(3, { host: "::1" })
      yield* eventually(seesExactly(members, members.map((m) => m.name)), periods(20), "3 converge on ::1")
      expect(members[0]!.address.host).toBe("::1")
    }), { timeout: 60_000 })
})

const schemaRejections = Memberlist.metrics.userMessagesRejected
const decodeRejections = Memberlist.metrics.decodeRejected.pipe(Metric.tagged("reason", "UnknownType"))

const startMemberCrashable = (seed: Transport.Address) =>
  startMember({ name: "crash-me", seeds: [seed], leaveOnClose: false })


