/**
 * Stream requests a running member answers, driven by hand: a test opens a
 * stream through the memory transport and speaks the wire codec itself.
 * Push/pull and stream pings are answered from the step that handled them;
 * a request the member has no answer for closes the stream at once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either, Fiber, Metric, Option, TestClock } from "effect"
import { NodeState, type PushNodeState, type Versions } from "../../../src/internal/swim/messages.js"
import { decodeStream, encodeStream, type StreamMessage } from "../../../src/internal/wire/stream.js"
import * as Memberlist from "../../../src/Memberlist.js"
import type * as Transport from "../../../src/Transport.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

/** Where the test's own hand-driven transport sits on the network. */
const handAddress = VirtualCluster.addressOf(9)


/** Reads until one whole frame decodes; fails at end of stream. */
const readReply = (connection: Transport.Connection) =>
  Effect.gen(function*() {
    let buffered = new Uint8Array(0)
    for (;;) {
      const chunk = yield* connection.read
      if (chunk === undefined) return yield* Effect.fail(new Error("the stream closed before a whole reply"))
      const joined = new Uint8Array(buffered.length + chunk.length)
      joined.set(buffered)
      joined.set(chunk, buffered.length)
      buffered = joined
      const decoded = decodeStream(buffered)
      if (Either.isLeft(decoded)) return yield* Effect.fail(decoded.left)
      if (decoded.right._tag === "Complete") return decoded.right.message
    }
  })

/** Two members that see each other, and a raw transport of the test's own on the same network. */
const setUp = Effect.gen(function*() {
  const cluster = yield* VirtualCluster.make()
  const members = yield* cluster.startMany(2)
  yield* VirtualCluster.advanceUntil(
    VirtualCluster.allSeeAlive(members, members.map((m) => m.name)),
    Duration.seconds(3),
    "the two see each other"
  )
  const hand = yield* cluster.network.make(handAddress)
  return { member: members[0]!, other: members[1]!, hand }
})

/** Opens a stream to `member` and writes one framed message on it. */
const send = (hand: Transport.TransportShape, member: VirtualCluster.VirtualMember, message: StreamMessage) =>
  Effect.gen(function*() {
    const connection = yield* hand.connect(member.address, Duration.toMillis(member.config.tcpTimeout))
    yield* connection.write(encodeStream(message))
    return connection
  })

const stateOf = (name: string, versions: Versions): PushNodeState => ({
  name,
  address: handAddress,
  meta: new Uint8Array(0),
  incarnation: 1,
  state: NodeState.Alive,
  versions
})

const pushPull = (states: ReadonlyArray<PushNodeState>): StreamMessage => ({
  _tag: "PushPull",
  join: false,
  states,
  userState: new Uint8Array(0)
})

const namesIn = (members: ReadonlyArray<Memberlist.Member>) => members.map((m) => m.name).sort()

describe("stream requests answered by a running member", () => {
  it.scoped("push/pull: answered on the same stream with the member's states, and ours merged", () =>
    Effect.gen(function*() {
      const { hand, member, other } = yield* setUp
      const connection = yield* send(hand, member, pushPull([stateOf("hand", [1, 5, 2, 0, 0, 0])]))
      const reply = yield* readReply(connection)
      if (reply._tag !== "PushPull") return expect.fail(`expected a push/pull reply, got ${reply._tag}`)
      expect(reply.states.map((s) => [s.name, s.state]).sort()).toEqual([
        [member.name, NodeState.Alive],
        [other.name, NodeState.Alive]
      ])
      // The reply came from the step that merged ours.
      expect(namesIn(yield* member.member.members)).toEqual(["hand", member.name, other.name].sort())
      expect(yield* connection.read).toBeUndefined()
    }))

  it.scoped("stream ping for the member: an ack with its sequence number on the same stream, then the stream closes", () =>
    Effect.gen(function*() {
      const { hand, member } = yield* setUp
      const connection = yield* send(hand, member, { _tag: "Ping", seqNo: 42, node: member.name })
      expect(yield* readReply(connection)).toEqual({ _tag: "Ack", seqNo: 42, payload: new Uint8Array(0) })
      expect(yield* connection.read).toBeUndefined()
    }))

  it.scoped("stream ping naming another node: the stream closes at once (no virtual time passes) and streamsUnanswered counts it", () =>
    Effect.gen(function*() {
      const { hand, member, other } = yield* setUp
      const unansweredBefore = yield* VirtualCluster.counted(Memberlist.metrics.streamsUnanswered)
      const start = yield* Clock.currentTimeMillis
      const connection = yield* send(hand, member, { _tag: "Ping", seqNo: 43, node: other.name })
      const reading = yield* Effect.fork(Effect.zip(connection.read, Clock.currentTimeMillis))
      // Bounded by the stream timeout, so a member that waits it out fails here rather than hangs.
      yield* VirtualCluster.advanceUntil(
        Effect.map(Fiber.poll(reading), Option.isSome),
        Duration.times(member.config.tcpTimeout, 2),
        "the stream ends"
      )
      const [chunk, closedAt] = yield* Fiber.join(reading)
      expect(chunk).toBeUndefined()
      expect(closedAt - start).toBe(0)
      expect((yield* VirtualCluster.counted(Memberlist.metrics.streamsUnanswered)) - unansweredBefore).toBe(1)
    }))

  it.scoped("push/pull from a member speaking protocol 7 (range 6..7): answered, not merged, counted as IncompatibleVersions", () =>
    Effect.gen(function*() {
      const { hand, member, other } = yield* setUp
      const incompatible = Metric.tagged(Memberlist.metrics.coreDropped, "reason", "IncompatibleVersions")
      const droppedBefore = yield* VirtualCluster.counted(incompatible)
      const connection = yield* send(hand, member, pushPull([stateOf("stranger", [6, 7, 7, 0, 0, 0])]))
      const reply = yield* readReply(connection)
      // memberlist answers before it checks the versions.
      expect(reply._tag).toBe("PushPull")
      // The step that answered refused the merge; nothing about the stranger spreads afterwards either.
      expect(namesIn(yield* member.member.allMembers)).toEqual([member.name, other.name].sort())
      expect((yield* VirtualCluster.counted(incompatible)) - droppedBefore).toBe(1)
      yield* TestClock.adjust(Duration.times(member.config.probeInterval, 5))
      for (const m of [member, other]) {
        expect(namesIn(yield* m.member.allMembers)).toEqual([member.name, other.name].sort())
      }
    }))
})

