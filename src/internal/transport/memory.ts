/**
 * An in-process network of memory transports, with faults a test can turn
 * on: random loss (seeded), a drop predicate, partitions, vanished nodes.
 *
 * Packets are offered to the destination's queue, so the receiver sees them
 * on its own fiber, never inside the sender's `sendPacket` call.
 *
 * @internal
 */
import { Effect, Queue, Stream } from "effect"
import type * as Scope from "effect/Scope"
import type {
  Address,
  Connection,
  MemoryNetwork,
  MemoryNetworkOptions,
  MemoryNetworkStats,
  Packet,
  PacketFilter,
  TransportShape
} from "../../Transport.js"
import { makeRng, nextFloat, type Rng } from "../swim/random.js"
import { addressKey, normalizeHost } from "./address.js"
import * as Errors from "./error.js"
import { makePair, type MemoryPair } from "./memoryConnection.js"
import * as Metrics from "./metrics.js"

interface Member {
  readonly address: Address
  readonly packets: Queue.Queue<Packet>
  readonly connections: Queue.Queue<Connection>
  open: boolean
  /** Labels of the drops counted against this member (it is the receiver). */
  readonly metrics: Metrics.TransportLabels
}

/** First port handed out when a member asks for port 0 (high, so it never looks like a real one). */
const firstEphemeralPort = 40000

/** The network without its `layer` (the public module adds it, as only it knows the Transport tag). */
export const makeNetwork = (options: MemoryNetworkOptions = {}): Omit<MemoryNetwork, "layer"> => {
  const maxPacketSize = options.maxPacketSize ?? 65 * 1024
  const members = new Map<string, Member>()
  const pairs = new Set<MemoryPair>()
  const disconnected = new Set<string>()
  const partitions = new Set<string>()
  let loss = 0
  let rng: Rng = makeRng(0)
  let filter: PacketFilter | undefined = undefined
  const stats = { delivered: 0, lost: 0 }
  let nextPort = firstEphemeralPort

  const linkKey = (a: string, b: string) => `${a} ${b}`
  const isCut = (from: string, to: string) =>
    disconnected.has(from) || disconnected.has(to) || partitions.has(linkKey(from, to))

  const breakCutPairs = (reason: string) => {
    for (const pair of pairs) {
      if (isCut(addressKey(pair.client), addressKey(pair.server))) pair.breakPair(reason)
    }
  }

  const allocatePort = (host: string): number => {
    while (members.has(addressKey({ host, port: nextPort }))) nextPort++
    return nextPort++
  }

  const make = (requested: Address): Effect.Effect<TransportShape, Errors.TransportError, Scope.Scope> =>
    Effect.gen(function*() {
      const host = normalizeHost(requested.host)
      const port = requested.port === 0 ? allocatePort(host) : requested.port
      const address: Address = { host, port }
      const key = addressKey(address)
      if (members.has(key)) return yield* Effect.fail(Errors.bindFailed(address, "address already in use"))
      const member: Member = {
        address,
        packets: yield* Queue.bounded<Packet>(options.packetQueueCapacity ?? 1024),
        connections: yield* Queue.bounded<Connection>(options.connectionQueueCapacity ?? 64),
        open: true,
        metrics: new Metrics.TransportLabels()
      }
      members.set(key, member)
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          member.open = false
          members.delete(key)
          // The member's own stream ends close, so its peers read EOF, as after a process exits.
          for (const pair of Array.from(pairs)) {
            if (addressKey(pair.client) === key) yield* pair.clientConnection.close
            if (addressKey(pair.server) === key) yield* pair.serverConnection.close
          }
          yield* Queue.shutdown(member.packets)
          yield* Queue.shutdown(member.connections)
        })
      )

      const sendPacket = (to: Address, bytes: Uint8Array): Effect.Effect<void, Errors.TransportError> =>
        Effect.suspend(() => {
          if (!member.open) return Effect.fail(Errors.closed("the transport"))
          const toKey = addressKey(to)
          const lost = isCut(key, toKey) ||
            (loss > 0 && nextFloat(rng) < loss) ||
            (filter !== undefined && filter({ from: address, to, bytes }))
          const destination = members.get(toKey)
          if (lost || destination === undefined || !destination.open) {
            // UDP semantics: the sender never learns that a packet was lost.
            stats.lost++
            return Effect.void
          }
          if (bytes.length > maxPacketSize) {
            Metrics.dropOversized(destination.metrics)
            return Effect.void
          }
          // A copy: the sender may reuse its buffer once sendPacket returns.
          if (destination.packets.unsafeOffer({ from: address, bytes: bytes.slice() })) stats.delivered++
          else Metrics.dropQueueFull(destination.metrics)
          return Effect.void
        })

      const dial = (to: Address, timeoutMillis: number): Effect.Effect<Connection, Errors.TransportError> =>
        Effect.suspend(() => {
          if (!member.open) return Effect.fail(Errors.closed("the transport"))
          const toKey = addressKey(to)
          if (disconnected.has(key) || disconnected.has(toKey)) {
            return Effect.fail(Errors.connectFailed(to, "the node is unreachable"))
          }
          if (partitions.has(linkKey(key, toKey))) {
            // A partition loses the handshake: the caller waits out its timeout, as over TCP.
            return Effect.sleep(timeoutMillis).pipe(Effect.zipRight(Effect.fail(Errors.connectTimeout(to, timeoutMillis))))
          }
          const destination = members.get(toKey)
          if (destination === undefined || !destination.open) {
            return Effect.fail(Errors.connectFailed(to, "connection refused"))
          }
          const pair = makePair(address, destination.address, (done) => pairs.delete(done))
          if (!destination.connections.unsafeOffer(pair.serverConnection)) {
            Metrics.dropConnection(destination.metrics)
            return Effect.fail(Errors.connectFailed(to, "the peer's accept queue is full"))
          }
          pairs.add(pair)
          return Effect.succeed(pair.clientConnection)
        })

      const shape: TransportShape = {
        boundAddress: address,
        packets: Stream.fromQueue(member.packets),
        sendPacket,
        connections: Stream.fromQueue(member.connections),
        connect: (to, timeoutMillis) => Effect.acquireRelease(dial(to, timeoutMillis), (connection) => connection.close)
      }
      return Metrics.register(shape, member.metrics)
    })

  const sides = (side: Address | ReadonlyArray<Address>): ReadonlyArray<string> =>
    (Array.isArray(side) ? (side as ReadonlyArray<Address>) : [side as Address]).map(addressKey)

  return {
    make,
    members: Effect.sync(() => Array.from(members.values(), (member) => member.address)),
    stats: Effect.sync((): MemoryNetworkStats => ({ delivered: stats.delivered, lost: stats.lost })),
    setLoss: (probability, seed = 0) =>
      Effect.sync(() => {
        loss = Math.min(1, Math.max(0, probability))
        rng = makeRng(seed)
      }),
    setFilter: (predicate) =>
      Effect.sync(() => {
        filter = predicate
      }),
    partition: (a, b) =>
      Effect.sync(() => {
        for (const x of sides(a)) {
          for (const y of sides(b)) {
            if (x === y) continue
            partitions.add(linkKey(x, y))
            partitions.add(linkKey(y, x))
          }
        }
        breakCutPairs("a partition cut the stream")
      }),
    heal: Effect.sync(() => {
      partitions.clear()
    }),
    disconnect: (address) =>
      Effect.sync(() => {
        disconnected.add(addressKey(address))
        breakCutPairs("the node vanished")
      }),
    reconnect: (address) =>
      Effect.sync(() => {
        disconnected.delete(addressKey(address))
      })
  }
}
