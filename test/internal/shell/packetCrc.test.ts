/**
 * What members really put on the wire under each `packetCrc` policy: every
 * datagram of a virtual cluster is captured and read back. Also the steady
 * byte budget: a steady ping or ack that grows fails here.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either } from "effect"
import type * as SwimConfig from "../../../src/SwimConfig.js"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"
import { decryptPayload } from "../../../src/internal/wire/encryption.js"
import { MessageType } from "../../../src/internal/wire/messageType.js"
import { decodePacket } from "../../../src/internal/wire/packet.js"
import * as VirtualCluster from "../../support/virtualCluster.js"

interface Seen {
  readonly framed: boolean
  readonly length: number
  readonly messages: ReadonlyArray<PacketMessage>
}

const key = new Uint8Array(32).fill(5)

/** Lets `span` of virtual time pass, in the usual 100 ms steps. */
const idle = (span: Duration.DurationInput) =>
  VirtualCluster.advanceUntil(Effect.succeed(false), span, "idle").pipe(Effect.ignore)

/** Starts `n` members with `config`, waits for a full view, then `quiet` of virtual time for gossip to fade. */
const converged = (n: number, config: Omit<SwimConfig.PresetOptions, "name">, quiet: Duration.DurationInput) =>
  Effect.gen(function*() {
    const cluster = yield* VirtualCluster.make()
    const members = yield* cluster.startMany(n, { config })
    yield* VirtualCluster.advanceUntil(
      VirtualCluster.allSeeAlive(members, members.map((m) => m.name)),
      Duration.seconds(5),
      `all ${n} see each other`
    )
    yield* idle(quiet)
    return { cluster, members }
  })

/** Records every datagram (read back, decrypted when `encrypted`) for `span` of virtual time. */
const capture = (cluster: VirtualCluster.VirtualCluster, span: Duration.DurationInput, encrypted = false) =>
  Effect.gen(function*() {
    const seen: Array<Seen> = []
    yield* cluster.network.setFilter(({ bytes }) => {
      const plain = encrypted ? Either.getOrThrow(decryptPayload([key], bytes, new Uint8Array(0))) : bytes
      const decoded = Either.getOrThrow(decodePacket(bytes, encrypted ? { keyring: { keys: [key] } } : {}))
      seen.push({ framed: plain[0] === MessageType.HasCrc, length: bytes.length, messages: decoded.messages })
      return false
    })
    yield* idle(span)
    yield* cluster.network.setFilter(undefined)
    return seen
  })

const tags = (s: Seen) => s.messages.map((m) => m._tag).join(",")
const isBareProbe = (s: Seen) =>
  s.messages.every((m) => m._tag === "Ping" || m._tag === "Ack" && m.payload.length === 0 || m._tag === "Nack")

describe("packetCrc on the wire", () => {
  it.scoped("default (withState), steady: bare pings and acks, unframed, of a fixed size", () =>
    Effect.gen(function*() {
      const { cluster } = yield* converged(4, { compression: true }, Duration.seconds(8))
      const seen = yield* capture(cluster, Duration.seconds(10))
      expect(seen.length).toBeGreaterThan(20)
      const shapes = new Map<string, Set<number>>()
      for (const s of seen) {
        expect(s.framed, tags(s)).toBe(false)
        const lengths = shapes.get(tags(s)) ?? new Set<number>()
        lengths.add(s.length)
        shapes.set(tags(s), lengths)
      }
      // Type byte + memberlist's msgpack struct (byte slices as raw strings):
      // ping {SeqNo, Node "node-i", SourceAddr 4 bytes, SourcePort 7946,
      // SourceNode "node-j"} = 69 bytes; ack {SeqNo, Payload nil} = 18. The
      // sequence numbers stay below 128 here (one msgpack byte). HashiCorp
      // memberlist sends these very bytes for the same ping and ack
      // (test/internal/wire/fixtures.test.ts re-encodes its fixtures exactly).
      expect(Object.fromEntries([...shapes].map(([k, v]) => [k, [...v]]))).toEqual({ Ping: [69], Ack: [18] })
    }))

  it.scoped("default (withState), a join: the claims gossiped are framed, the probes are not", () =>
    Effect.gen(function*() {
      const { cluster } = yield* converged(3, {}, Duration.seconds(8))
      const seen: Array<Seen> = []
      yield* cluster.network.setFilter(({ bytes }) => {
        const decoded = Either.getOrThrow(decodePacket(bytes))
        seen.push({ framed: bytes[0] === MessageType.HasCrc, length: bytes.length, messages: decoded.messages })
        return false
      })
      yield* cluster.start({ name: "late", address: VirtualCluster.addressOf(9), seeds: [VirtualCluster.addressOf(0)] })
      yield* idle(Duration.seconds(5))
      const withAlive = seen.filter((s) => s.messages.some((m) => m._tag === "Alive"))
      expect(withAlive.length).toBeGreaterThan(0)
      for (const s of seen) expect(s.framed, tags(s)).toBe(!isBareProbe(s))
    }))

  it.scoped("always: every steady packet framed, 5 bytes more", () =>
    Effect.gen(function*() {
      const { cluster } = yield* converged(4, { compression: true, packetCrc: "always" }, Duration.seconds(8))
      const seen = yield* capture(cluster, Duration.seconds(10))
      expect(seen.length).toBeGreaterThan(20)
      for (const s of seen) expect(s.framed, tags(s)).toBe(true)
      expect(new Set(seen.filter((s) => tags(s) === "Ping").map((s) => s.length))).toEqual(new Set([74]))
    }))

  it.scoped("encrypted: never framed, even with always", () =>
    Effect.gen(function*() {
      const { cluster } = yield* converged(3, { secretKeys: [key], packetCrc: "always" }, Duration.seconds(8))
      const seen = yield* capture(cluster, Duration.seconds(10), true)
      expect(seen.length).toBeGreaterThan(20)
      for (const s of seen) expect(s.framed, tags(s)).toBe(false)
    }))
})
