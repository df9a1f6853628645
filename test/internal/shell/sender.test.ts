/**
 * A received message names the member that sent it, on virtual time:
 * between two members for `send`, `sendReliable` and a broadcast; and, with
 * a transport driven by hand standing in for another implementation, which
 * reliable messages carry our sender envelope (only to a member whose
 * delegate versions say it reads one) and what a message from it is named.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Ref, Stream } from "effect"
import { NodeState, type Versions } from "../../../src/internal/swim/messages.js"
import { decodeSenderEnvelope, encodeSenderEnvelope } from "../../../src/internal/swim/sender.js"
import { readFrame } from "../../../src/internal/shell/streams.js"
import { makeUserCodec } from "../../../src/internal/shell/userCodec.js"
import { encodePacket } from "../../../src/internal/wire/packet.js"
import { encodeStream, type StreamMessage } from "../../../src/internal/wire/stream.js"
import type * as Memberlist from "../../../src/Memberlist.js"
import type * as Transport from "../../../src/Transport.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

const { Note } = VirtualCluster
const codec = makeUserCodec(Note, "msgpack")

/** Where the hand-driven transport sits. */
const handAddress = VirtualCluster.addressOf(9)

/** Everything `member` receives from now on, with who sent it. */
const inbox = (member: VirtualCluster.VirtualMember) =>
  Effect.gen(function*() {
    const got = yield* Ref.make<ReadonlyArray<Memberlist.Received<VirtualCluster.Message>>>([])
    const stream = yield* member.member.receive
    yield* Effect.forkScoped(Stream.runForEach(stream, (received) => Ref.update(got, (all) => [...all, received])))
    return got
  })

const summary = (received: ReadonlyArray<Memberlist.Received<VirtualCluster.Message>>) =>
  received.map((r) => ({ n: r.message.n, sender: r.sender, origin: r.origin }))

const twoMembers = Effect.map(VirtualCluster.makeConverged(2), ({ cluster, members }) => ({ cluster, a: members[0]!, b: members[1]! }))

/** Makes the hand-driven transport a member of `member`'s view, with these versions, by a push/pull. */
const joinByHand = (hand: Transport.TransportShape, member: VirtualCluster.VirtualMember, versions: Versions, incarnation = 1) =>
  Effect.scoped(
    Effect.gen(function*() {
      const connection = yield* hand.connect(member.address, Duration.toMillis(member.config.tcpTimeout))
      const state = { name: "hand", address: handAddress, meta: new Uint8Array(0), incarnation, state: NodeState.Alive, versions }
      yield* connection.write(encodeStream({ _tag: "PushPull", join: true, states: [state], userState: new Uint8Array(0) }))
      yield* readFrame(connection, {}, Duration.toMillis(member.config.tcpTimeout))
    })
  )

/** The payload of the next reliable user message the hand-driven transport accepts (push/pulls are skipped). */
const nextUserPayload = (hand: Transport.TransportShape) =>
  Effect.flatMap(
    Stream.runHead(
      hand.connections.pipe(
        Stream.mapEffect((connection) => Effect.ensuring(readFrame(connection, {}, 5_000), connection.close)),
        Stream.filter((message): message is Extract<StreamMessage, { _tag: "User" }> => message._tag === "User")
      )
    ),
    (head) => Option.match(head, { onNone: () => Effect.dieMessage("no user message came"), onSome: (m) => Effect.succeed(m.payload) })
  )

describe("the sender of a received message", () => {
  it.scoped("send, sendReliable and a broadcast between two members all name the sender; the broadcast also its origin", () =>
    Effect.gen(function*() {
      const { a, b } = yield* twoMembers
      const got = yield* inbox(b)
      yield* a.member.send(b.name, new Note({ n: 1 }))
      yield* a.member.sendReliable(b.name, new Note({ n: 2 }))
      yield* a.member.broadcast(new Note({ n: 3 }))
      yield* VirtualCluster.advanceUntil(Effect.map(Ref.get(got), (all) => all.length >= 3), Duration.seconds(2), "b gets all three")
      expect(summary(yield* Ref.get(got)).sort((x, y) => x.n - y.n)).toEqual([
        { n: 1, sender: a.name, origin: undefined },
        { n: 2, sender: a.name, origin: undefined },
        { n: 3, sender: a.name, origin: a.name }
      ])
    }))

  it.scoped("sendReliable wraps the payload in the sender envelope for a member advertising delegate max 1, and never for one advertising 0 (Go)", () =>
    Effect.gen(function*() {
      const { cluster, a } = yield* twoMembers
      const hand = yield* cluster.network.make(handAddress)
      const plain = yield* codec.encode(new Note({ n: 4 }))

      yield* joinByHand(hand, a, [1, 5, 2, 0, 0, 0])
      const toGo = yield* Effect.fork(nextUserPayload(hand))
      yield* a.member.sendReliable("hand", new Note({ n: 4 }))
      const goGot = yield* Fiber.join(toGo)
      expect(decodeSenderEnvelope(goGot)).toBeUndefined()
      expect(Array.from(goGot)).toEqual(Array.from(plain))

      // The same member announces itself again (a new incarnation), now reading the envelope.
      yield* joinByHand(hand, a, [1, 5, 2, 0, 1, 0], 2)
      const toOurs = yield* Effect.fork(nextUserPayload(hand))
      yield* a.member.sendReliable("hand", new Note({ n: 4 }))
      const oursGot = decodeSenderEnvelope(yield* Fiber.join(toOurs))
      expect(oursGot?.sender).toBe(a.name)
      expect(Array.from(oursGot?.body ?? [])).toEqual(Array.from(plain))
    }))

  it.scoped("from another implementation: a packet from a member's address names it; a stream names whom its envelope says, else no one", () =>
    Effect.gen(function*() {
      const { cluster, a } = yield* twoMembers
      const hand = yield* cluster.network.make(handAddress)
      const stranger = yield* cluster.network.make(VirtualCluster.addressOf(8))
      yield* joinByHand(hand, a, [1, 5, 2, 0, 0, 0])
      const got = yield* inbox(a)
      const note = (n: number) => codec.encode(new Note({ n }))
      const writeStream = (from: Transport.TransportShape, payload: Uint8Array) =>
        Effect.scoped(Effect.flatMap(from.connect(a.address, 1_000), (c) => c.write(encodeStream({ _tag: "User", payload }))))

      yield* hand.sendPacket(a.address, encodePacket([{ _tag: "User", payload: yield* note(5) }]))
      yield* stranger.sendPacket(a.address, encodePacket([{ _tag: "User", payload: yield* note(6) }]))
      yield* writeStream(stranger, yield* note(7))
      yield* writeStream(stranger, encodeSenderEnvelope("someone", yield* note(8)))
      yield* VirtualCluster.advanceUntil(Effect.map(Ref.get(got), (all) => all.length >= 4), Duration.seconds(2), "a gets all four")
      expect(summary(yield* Ref.get(got)).sort((x, y) => x.n - y.n)).toEqual([
        { n: 5, sender: "hand", origin: undefined },
        { n: 6, sender: undefined, origin: undefined },
        { n: 7, sender: undefined, origin: undefined },
        { n: 8, sender: "someone", origin: undefined }
      ])
    }))
})
