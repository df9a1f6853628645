/**
 * Leader election through the public module, on members of the in-memory
 * network driven by TestClock (test/support/virtualCluster.ts): no socket,
 * no wall clock. Bounds are in virtual seconds: the default election timeout
 * is 3–6 s and the heartbeat 1 s; the local preset probes every second.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Duration, Effect, Exit, Fiber, Option, Ref, Scope, Stream } from "effect"
import * as Leader from "../src/Leader.js"
import * as Memberlist from "../src/Memberlist.js"
import { encodeElectionMessage } from "../src/internal/leader/codec.js"
import { Metric } from "effect"
import { systemMessagesDropped } from "../src/internal/shell/systemChannel.js"
import { encodeSystemEnvelope, SystemChannel } from "../src/internal/shell/systemEnvelope.js"
import { makeUserCodec } from "../src/internal/shell/userCodec.js"
import { encodePacket } from "../src/internal/wire/packet.js"
import { advanceUntil, counted, makeConverged, Note, type VirtualMember } from "./support/virtualCluster.js"

const encodeNote = makeUserCodec(Note, "msgpack").encode

/** Starts an election for `member` in a scope of its own, closed before the member stops. */
const elect = (member: VirtualMember, seed: number) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const election = yield* Leader.make(member.member, { seed }).pipe(Scope.extend(scope))
    return { member, election, close: Scope.close(scope, Exit.void) }
  })

type Running = Effect.Effect.Success<ReturnType<typeof elect>>

/** The leader every one of `running` names, when they agree on one of themselves that knows it leads. */
const agreed = (running: ReadonlyArray<Running>) =>
  Effect.gen(function*() {
    const named = yield* Effect.forEach(running, (r) => r.election.leader)
    const first = named[0]
    if (first === undefined || Option.isNone(first)) return undefined
    if (!named.every((n) => Option.isSome(n) && n.value === first.value)) return undefined
    const leader = running.find((r) => r.member.name === first.value)
    return leader !== undefined && (yield* leader.election.isLeader) ? leader : undefined
  })

const isAgreed = (running: ReadonlyArray<Running>) => Effect.map(agreed(running), (l) => l !== undefined)

describe("Leader", () => {
  it.scoped("five members elect one leader within 10 s, a new one within 15 s of its leave, and the app never sees election messages", () =>
    Effect.gen(function*() {
      const { members } = yield* makeConverged(5)
      // Every member's application listens for messages during the whole run.
      const done = yield* Deferred.make<void>()
      const inboxes = yield* Effect.forEach(members, (m) =>
        Effect.flatMap(m.member.receive, (s) => Effect.fork(Stream.runCollect(s.pipe(Stream.interruptWhen(Deferred.await(done)))))))
      const running = yield* Effect.forEach(members, (m, i) => elect(m, 100 + i))

      yield* advanceUntil(isAgreed(running), Duration.seconds(10), "one leader for all five")
      const first = (yield* agreed(running))!
      const firstTerm = yield* first.election.term
      expect(firstTerm).toBeGreaterThanOrEqual(1)
      for (const r of running) expect(yield* r.election.term).toBe(firstTerm)
      expect((yield* Effect.forEach(running, (r) => r.election.isLeader)).filter(Boolean)).toHaveLength(1)

      // The leader stops its election and leaves: the others elect a new one, in a later term.
      yield* first.close
      yield* first.member.stop
      const rest = running.filter((r) => r !== first)
      yield* advanceUntil(isAgreed(rest), Duration.seconds(15), "a new leader among the four")
      const second = (yield* agreed(rest))!
      expect(second.member.name).not.toBe(first.member.name)
      expect(yield* second.election.term).toBeGreaterThan(firstTerm)

      yield* Deferred.succeed(done, undefined)
      for (const inbox of inboxes) expect(Chunk.size(yield* Fiber.join(inbox))).toBe(0)
      for (const r of rest) yield* r.close
    }))

  it.scoped("changes starts with the current state and follows each change; whileLeader runs the job on the leader alone", () =>
    Effect.gen(function*() {
      const { members } = yield* makeConverged(3)
      const running = yield* Effect.forEach(members, (m, i) => elect(m, 200 + i))
      const seen = yield* Ref.make<ReadonlyArray<Leader.LeaderState>>([])
      yield* Effect.forkScoped(Stream.runForEach(running[0]!.election.changes, (s) => Ref.update(seen, (all) => [...all, s])))
      // Each member runs the singleton job only while it leads: the job notes who runs it.
      const jobs = yield* Ref.make<ReadonlyArray<string>>([])
      for (const r of running) {
        const job = Effect.acquireRelease(
          Ref.update(jobs, (names) => [...names, r.member.name]),
          () => Ref.update(jobs, (names) => names.filter((n) => n !== r.member.name))
        ).pipe(Effect.zipRight(Effect.never), Effect.scoped)
        yield* Effect.forkScoped(r.election.whileLeader(job))
      }
      yield* advanceUntil(isAgreed(running), Duration.seconds(10), "one leader for all three")
      yield* advanceUntil(Effect.map(Ref.get(jobs), (j) => j.length === 1), Duration.seconds(1), "the job starts")
      const leader = (yield* agreed(running))!
      expect(yield* Ref.get(jobs)).toEqual([leader.member.name])

      const states = yield* Ref.get(seen)
      expect(states[0]).toEqual({ leader: Option.none(), term: 0 })
      const last = states[states.length - 1]!
      expect(last).toEqual({ leader: Option.some(leader.member.name), term: yield* leader.election.term })
      expect(yield* running[0]!.election.current).toEqual(last)

      // The leader's election ends: the job stops with it, and starts on the next leader only.
      yield* leader.close
      yield* leader.member.stop
      const rest = running.filter((r) => r !== leader)
      yield* advanceUntil(isAgreed(rest), Duration.seconds(15), "a new leader among the two")
      const next = (yield* agreed(rest))!
      yield* advanceUntil(Effect.map(Ref.get(jobs), (j) => j.length === 1 && j[0] === next.member.name), Duration.seconds(1), "the job moves")
      for (const r of rest) yield* r.close
      expect(yield* Ref.get(jobs)).toEqual([])
    }))

  it.scoped("refuses unusable timings and a member it cannot reach, with InvalidOptions", () =>
    Effect.gen(function*() {
      const { members } = yield* makeConverged(1)
      const member = members[0]!.member
      const tooShort = yield* Effect.flip(Leader.make(member, { heartbeatInterval: "2 seconds" }))
      expect(tooShort._tag).toBe("InvalidOptions")
      const inverted = yield* Effect.flip(Leader.make(member, { electionTimeout: { min: "5 seconds", max: "4 seconds" } }))
      expect(inverted.problem).toMatch(/above/)
      const fake = { ...member } as Memberlist.Memberlist<unknown>
      const notOurs = yield* Effect.flip(Leader.make(fake))
      expect(notOurs.problem).toMatch(/Memberlist.make/)
    }))

  it.scoped("a lone member leads itself, in term 1, within one election timeout", () =>
    Effect.gen(function*() {
      const { members } = yield* makeConverged(1)
      const wonBefore = yield* counted(Leader.metrics.electionsWon)
      const solo = yield* elect(members[0]!, 7)
      yield* advanceUntil(solo.election.isLeader, Duration.seconds(6), "the lone member leads")
      expect(yield* solo.election.term).toBe(1)
      expect(yield* counted(Leader.metrics.electionsWon)).toBe(wonBefore + 1)
      yield* solo.close
    }))

  it.scoped("system messages from an unknown address or for an unknown channel are dropped, counted, and never reach the app", () =>
    Effect.gen(function*() {
      const { cluster, members } = yield* makeConverged(1)
      const target = members[0]!
      const running = yield* elect(target, 9)
      const inbox = yield* Effect.fork(Stream.runCollect(Stream.take(yield* target.member.receive, 1)))
      const unknownSender = Metric.tagged(systemMessagesDropped, "reason", "unknown_sender")
      const noSubscriber = Metric.tagged(systemMessagesDropped, "reason", "no_subscriber")
      const before = [yield* counted(unknownSender), yield* counted(noSubscriber)]
      const raw = yield* cluster.network.make({ host: "127.0.0.99", port: 7946 })
      const heartbeat = encodeSystemEnvelope(SystemChannel.Leader, encodeElectionMessage({ _tag: "Heartbeat", term: 99 }))
      yield* raw.sendPacket(target.address, encodePacket([{ _tag: "User", payload: heartbeat }]))
      const otherChannel = new Uint8Array([0xb5, 0x1e, 9, 1, 2, 3])
      yield* raw.sendPacket(target.address, encodePacket([{ _tag: "User", payload: otherChannel }]))
      yield* raw.sendPacket(target.address, encodePacket([{ _tag: "User", payload: yield* encodeNote(new Note({ n: 5 })) }]))
      yield* advanceUntil(Effect.map(Fiber.poll(inbox), Option.isSome), Duration.seconds(1), "the app message arrives")
      const got = Chunk.toReadonlyArray(yield* Fiber.join(inbox))
      expect(got.map((r) => r.message)).toEqual([new Note({ n: 5 })])
      expect(yield* counted(unknownSender)).toBe(before[0]! + 1)
      expect(yield* counted(noSubscriber)).toBe(before[1]! + 1)
      // The forged heartbeat of term 99 changed nothing.
      expect((yield* running.election.term) < 99).toBe(true)
      yield* running.close
    }))
})
