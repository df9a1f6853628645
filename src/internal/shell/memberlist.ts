/**
 * The Effect shell around the protocol core: it feeds the core what
 * happens (packets, streams, timers, API calls, all with the current time)
 * and performs what the core asks (send, connect, set timers, publish).
 * Protocol decisions stay in the core; this file only moves bytes and time.
 *
 * @internal
 */
import {
  Clock,
  type Context,
  Deferred,
  Duration,
  Effect,
  Either,
  FiberSet,
  Layer,
  Metric,
  PubSub,
  Random,
  Schedule,
  Stream
} from "effect"
import { Discovery } from "../../Discovery.js"
import type { Member, Memberlist, MembershipEvent, Options, Received } from "../../Memberlist.js"
import { MemberlistError } from "../../Memberlist.js"
import { SwimConfig, type SwimConfigShape } from "../../SwimConfig.js"
import { type Address, type Connection, Transport } from "../../Transport.js"
import type { CoreConfig } from "../swim/config.js"
import * as Core from "../swim/core.js"
import type { Input, MembershipEvent as CoreEvent, Output } from "../swim/io.js"
import type { Member as CoreMember } from "../swim/member.js"
import { formatAddress, NodeState, type PacketMessage } from "../swim/messages.js"
import { messageSize } from "../wire/messages.js"
import { decodePacket, encodePacket } from "../wire/packet.js"
import { peerWantsCrc } from "../wire/versions.js"
import * as metrics from "./metrics.js"
import { pushPullClient, readFrame, sendUserStream, streamPingClient, writeFrame } from "./streams.js"
import { makeUserCodec } from "./userCodec.js"
import { advertiseHostFor } from "./advertise.js"
import { makeWireOptions } from "./wireOptions.js"

const stateNames = ["alive", "suspect", "dead", "left"] as const

const toMember = (m: CoreMember): Member => ({
  name: m.name,
  address: m.address,
  state: stateNames[m.state],
  incarnation: m.incarnation,
  meta: m.meta,
  versions: m.versions
})

const toEvent = (event: CoreEvent, at: number): MembershipEvent => {
  switch (event._tag) {
    case "MemberJoined":
    case "MemberUpdated":
    case "MemberRecovered":
    case "MemberLeft":
      return { _tag: event._tag, member: toMember(event.member), at }
    case "MemberSuspected":
    case "MemberFailed":
      return { _tag: event._tag, member: toMember(event.member), by: event.from, at }
    case "LocalStatus":
      return { _tag: "LocalStatusChanged", status: event.status, incarnation: event.incarnation, cause: event.cause, at }
    case "NameConflict":
      return { _tag: "NameConflict", existing: toMember(event.existing), claimant: event.claimant, at }
  }
}


const coreConfigOf = (config: SwimConfigShape, address: Address, meta: Uint8Array, packetBudget: number): CoreConfig => ({
  name: config.name,
  address,
  meta,
  versions: [1, 5, config.protocolVersion, 0, 0, 0],
  probeInterval: Duration.toMillis(config.probeInterval),
  probeTimeout: Duration.toMillis(config.probeTimeout),
  indirectChecks: config.indirectChecks,
  tcpPingFallback: config.tcpPingFallback,
  suspicionMult: config.suspicionMult,
  suspicionMaxTimeoutMult: config.suspicionMaxTimeoutMult,
  retransmitMult: config.retransmitMult,
  coverageFloor: config.coverageFloor,
  gossipInterval: Duration.toMillis(config.gossipInterval),
  gossipNodes: config.gossipNodes,
  gossipToTheDeadTime: Duration.toMillis(config.gossipToTheDeadTime),
  pushPullInterval: Duration.toMillis(config.pushPullInterval),
  awarenessMaxMultiplier: config.awarenessMaxMultiplier,
  deadNodeReclaimTime: Duration.toMillis(config.deadNodeReclaimTime),
  packetBudget,
  userBroadcastShare: config.userBroadcastShare,
  maxMembershipQueue: 8192,
  maxUserQueue: 1024,
  maxMetaSize: 512
})

/** Starts a member in the current scope. */
export const make = <A, I>(options: Options<A, I>) =>
  Effect.gen(function*() {
    const config = yield* SwimConfig
    const transport = yield* Transport
    const discovery = yield* Discovery
    const wire = makeWireOptions(config)
    const codec = makeUserCodec(options.messages, options.encoding ?? "msgpack")
    const tcpTimeout = Duration.toMillis(config.tcpTimeout)

    const bound = transport.boundAddress
    const advertise: Address = {
      host: config.advertiseHost ?? advertiseHostFor(bound.host),
      port: config.advertisePort ?? bound.port
    }
    const meta = options.meta ?? new Uint8Array(0)
    if (meta.length > 512) {
      return yield* new MemberlistError({ reason: "MessageTooLarge", message: `metadata is ${meta.length} bytes, over 512` })
    }
    const coreConfig = coreConfigOf(config, advertise, meta, wire.packetBudget)
    const problem = Core.invalidConfig(coreConfig)
    if (problem !== undefined) return yield* new MemberlistError({ reason: "NotRunning", message: problem })
    const seed = options.seed ?? (yield* Random.nextIntBetween(0, 2 ** 31))
    const core = Core.make({ config: coreConfig, seed, sizeOf: messageSize })

    const events = yield* PubSub.unbounded<MembershipEvent>()
    const received = yield* PubSub.unbounded<Received<A>>()
    const background = yield* FiberSet.make()
    const replies = new Map<number, Deferred.Deferred<Output>>()
    let nextReplyId = 0
    const pendingJoins = new Set<Deferred.Deferred<number>>()
    let pendingLeave: Deferred.Deferred<void> | undefined

    const annotate = Effect.annotateLogs({ member: config.name })

    const feed = (input: Input): Effect.Effect<ReadonlyArray<Output>> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const outputs = Core.step(core, input, now)
        return Effect.as(performAll(outputs), outputs)
      })

    const performAll = (outputs: ReadonlyArray<Output>): Effect.Effect<void> =>
      Effect.zipRight(
        Effect.forEach(outputs, perform, { discard: true }),
        Effect.suspend(() => {
          const depths = Core.queueDepths(core)
          return Effect.all([
            Metric.set(metrics.healthScore, Core.healthScore(core)),
            Metric.set(metrics.membershipQueue, depths.membership),
            Metric.set(metrics.userQueue, depths.user)
          ], { discard: true })
        })
      )

    // Background work is interruptible even when forked from an uninterruptible
    // region (a fork inherits its parent's flags: `make` inside an
    // acquireRelease acquire would otherwise start fibers that closing the
    // scope waits on forever).
    const run = <X, E>(effect: Effect.Effect<X, E>) =>
      FiberSet.run(background, Effect.interruptible(annotate(effect))).pipe(Effect.asVoid)
    const forkBackground = <X, E>(effect: Effect.Effect<X, E>) => Effect.forkScoped(Effect.interruptible(annotate(effect)))

    const sendPacket = (to: Address, messages: ReadonlyArray<PacketMessage>) => {
      // CRC goes only to peers that speak protocol 5; the core knows each member's versions by address.
      const peer = core.byAddress.get(formatAddress(to))
      const crc = peer !== undefined && peerWantsCrc(peer.versions)
      const bytes = encodePacket(messages, wire.packet(crc))
      return transport.sendPacket(to, bytes).pipe(
        Effect.zipRight(Metric.increment(metrics.packetsOut)),
        Effect.zipRight(Metric.incrementBy(metrics.bytesOut, bytes.length)),
        Effect.catchAll((error) => Effect.logDebug("send failed", error.message))
      )
    }


    const deliverUser = (from: Address, payload: Uint8Array, origin: string | undefined) =>
      codec.decode(payload).pipe(
        Effect.flatMap((message) => PubSub.publish(received, { from, origin, message })),
        Effect.catchAll((error) =>
          Effect.zipRight(
            Metric.increment(metrics.userMessagesRejected),
            Effect.logDebug("dropped a user message that fails the schema", String(error.message).slice(0, 200))
          )
        )
      )

    const perform = (output: Output): Effect.Effect<void> => {
      switch (output._tag) {
        case "SendPacket": {
          const first = output.messages[0]
          const count = first?._tag === "Ping" ? Metric.increment(metrics.probes) : Effect.void
          return Effect.zipRight(count, run(sendPacket(output.to, output.messages)))
        }
        case "SetTimer":
          return Effect.flatMap(Clock.currentTimeMillis, (now) =>
            run(Effect.zipRight(
              Effect.sleep(Duration.millis(Math.max(0, output.at - now))),
              feed({ _tag: "TimerFired", timer: output.timer })
            )))
        case "PushPullStart":
          return run(
            pushPullClient(transport, output.to, output.join, output.states, wire.stream, wire.decodeStream, tcpTimeout).pipe(
              Effect.matchEffect({
                onFailure: (error) =>
                  Effect.zipRight(
                    Metric.increment(metrics.withReason(metrics.pushPulls, "failed")),
                    Effect.zipRight(
                      Effect.logDebug("push/pull failed", formatAddress(output.to), error.message),
                      feed({ _tag: "PushPullFailed", token: output.token, reason: error.message })
                    )
                  ),
                onSuccess: (states) =>
                  Effect.zipRight(
                    Metric.increment(metrics.withReason(metrics.pushPulls, "ok")),
                    feed({ _tag: "PushPullResponse", token: output.token, states })
                  )
              })
            )
          )
        case "StreamPing":
          return Effect.flatMap(Clock.currentTimeMillis, (now) =>
            run(
              streamPingClient(transport, output.to, output.ping, wire.stream, wire.decodeStream, Math.max(1, output.deadline - now))
                .pipe(
                  Effect.flatMap((ack) => feed({ _tag: "Received", from: output.to, messages: [ack], via: "stream" })),
                  Effect.catchAll(() => Effect.void)
                )
            ))
        case "PushPullReply":
        case "StreamReply": {
          const waiting = replies.get(output.replyTo)
          return waiting === undefined ? Effect.void : Deferred.succeed(waiting, output).pipe(Effect.asVoid)
        }
        case "Event": {
          const event = output.event
          const counted = event._tag === "MemberSuspected"
            ? Metric.increment(metrics.suspicions)
            : event._tag === "MemberFailed"
            ? Metric.increment(metrics.deaths)
            : Effect.void
          return Effect.zipRight(
            counted,
            Effect.flatMap(Clock.currentTimeMillis, (at) => PubSub.publish(events, toEvent(event, at)))
          ).pipe(Effect.zipRight(Metric.set(metrics.aliveMembers, aliveCount())))
        }
        case "UserMessage":
          return deliverUser(output.from, output.payload, output.origin)
        case "JoinCompleted": {
          const waiting = [...pendingJoins]
          pendingJoins.clear()
          return Effect.forEach(waiting, (d) => Deferred.succeed(d, output.contacted), { discard: true })
        }
        case "LeaveCompleted":
          return pendingLeave === undefined ? Effect.void : Deferred.succeed(pendingLeave, undefined).pipe(Effect.asVoid)
        case "Dropped":
          return Effect.zipRight(
            Metric.increment(metrics.withReason(metrics.coreDropped, output.reason)),
            Effect.logDebug("core dropped an input", output.reason, output.detail)
          )
      }
    }

    const aliveCount = () => {
      let n = 0
      for (const m of core.members.values()) if (m.state === NodeState.Alive) n++
      return n
    }

    // ------------------------------------------------------------ inbound

    const onPacket = (from: Address, bytes: Uint8Array) => {
      const decoded = decodePacket(bytes, wire.decodePacket)
      if (Either.isLeft(decoded)) {
        return Effect.zipRight(
          Metric.increment(metrics.withReason(metrics.decodeRejected, decoded.left.reason)),
          Effect.logDebug("dropped a packet", formatAddress(from), decoded.left.reason, decoded.left.message)
        )
      }
      const { messages, truncated } = decoded.right
      return Effect.all([
        Metric.increment(metrics.packetsIn),
        Metric.incrementBy(metrics.bytesIn, bytes.length),
        truncated > 0 ? Metric.increment(metrics.withReason(metrics.decodeRejected, "BadCompound")) : Effect.void,
        messages.length > 0 ? feed({ _tag: "Received", from, messages, via: "packet" }) : Effect.void
      ], { discard: true })
    }

    const awaitReply = (replyTo: number, input: Input) =>
      Effect.gen(function*() {
        const deferred = yield* Deferred.make<Output>()
        replies.set(replyTo, deferred)
        yield* feed(input)
        return yield* Effect.interruptible(Deferred.await(deferred)).pipe(Effect.timeout(Duration.millis(tcpTimeout)))
      }).pipe(Effect.ensuring(Effect.sync(() => replies.delete(replyTo))))

    const onConnection = (connection: Connection) =>
      Effect.gen(function*() {
        const message = yield* readFrame(connection, wire.decodeStream, tcpTimeout)
        const replyTo = ++nextReplyId
        switch (message._tag) {
          case "PushPull": {
            const reply = yield* awaitReply(replyTo, {
              _tag: "PushPullRequest",
              from: connection.remote,
              join: message.join,
              states: message.states,
              replyTo
            })
            if (reply._tag === "PushPullReply") {
              yield* writeFrame(connection, { _tag: "PushPull", join: false, states: reply.states, userState: new Uint8Array(0) }, wire.stream)
            }
            return
          }
          case "Ping": {
            const reply = yield* awaitReply(replyTo, {
              _tag: "Received",
              from: connection.remote,
              messages: [message],
              via: "stream",
              replyTo
            })
            if (reply._tag === "StreamReply" && reply.messages[0] !== undefined) {
              yield* writeFrame(connection, reply.messages[0], wire.stream)
            }
            return
          }
          default:
            yield* feed({ _tag: "Received", from: connection.remote, messages: [message], via: "stream" })
        }
      }).pipe(
        Effect.catchAll((error) =>
          Effect.zipRight(
            error._tag === "DecodeError"
              ? Metric.increment(metrics.withReason(metrics.decodeRejected, error.reason))
              : Effect.void,
            Effect.logDebug("stream ended badly", formatAddress(connection.remote), error.message)
          )
        ),
        Effect.ensuring(connection.close)
      )

    // ------------------------------------------------------------ start

    yield* forkBackground(Stream.runForEach(transport.packets, (p) => onPacket(p.from, p.bytes)))
    yield* forkBackground(Stream.runForEach(transport.connections, (c) => run(onConnection(c))))
    yield* feed({ _tag: "Start" })

    const join = (seeds: ReadonlyArray<Address>) =>
      Effect.gen(function*() {
        const deferred = yield* Deferred.make<number>()
        pendingJoins.add(deferred)
        yield* feed({ _tag: "Join", seeds })
        const contacted = yield* Effect.interruptible(Deferred.await(deferred)).pipe(
          Effect.timeoutFail({
            duration: Duration.millis(tcpTimeout * 2),
            onTimeout: () => new MemberlistError({ reason: "Timeout", message: "join did not finish in time" })
          })
        )
        if (contacted === 0 && seeds.length > 0) {
          return yield* new MemberlistError({ reason: "JoinFailed", message: `none of ${seeds.length} seeds answered` })
        }
        return contacted
      }).pipe(Effect.withSpan("Memberlist.join"))

    const peersAlive = () => aliveCount() > 1
    const knownAddresses = () => new Set(Array.from(core.members.values(), (m) => formatAddress(m.address)))
    const discoverAndJoin = (onlyUnknown: boolean) =>
      discovery.discover.pipe(
        Effect.map((found) => {
          const known = knownAddresses()
          return found.filter((a) =>
            formatAddress(a) !== formatAddress(advertise) && (!onlyUnknown || !known.has(formatAddress(a))))
        }),
        Effect.flatMap((seeds) => (seeds.length === 0 ? Effect.succeed(0) : join(seeds))),
        Effect.tapError((error) => Effect.logDebug("discovery or join failed", error.message))
      )

    const initial = yield* Effect.either(discoverAndJoin(false))
    if (options.requireJoin === true && Either.isLeft(initial)) {
      return yield* new MemberlistError({ reason: "JoinFailed", message: initial.left.message, cause: initial.left })
    }
    // Re-discover: quickly while alone (so a node that lost everyone recovers), slowly otherwise for new peers.
    const lonelyCheck = Duration.toMillis(config.probeInterval) * 2
    const rediscover = Duration.toMillis(Duration.decode(options.rediscoverInterval ?? Duration.seconds(30)))
    let lastRediscovery = yield* Clock.currentTimeMillis
    yield* forkBackground(
      Effect.gen(function*() {
        if (core.status !== "alive") return
        const now = yield* Clock.currentTimeMillis
        if (!peersAlive()) {
          yield* Effect.ignore(discoverAndJoin(false))
          lastRediscovery = now
        } else if (now - lastRediscovery >= rediscover) {
          yield* Effect.ignore(discoverAndJoin(true))
          lastRediscovery = now
        }
      }).pipe(Effect.repeat(Schedule.spaced(Duration.millis(lonelyCheck))))
    )

    const leaveTimeoutDefault = Duration.decode(options.leaveTimeout ?? Duration.seconds(3))
    const leave = (timeout?: Duration.DurationInput) =>
      Effect.gen(function*() {
        if (core.status !== "alive") return
        const deferred = yield* Deferred.make<void>()
        pendingLeave = deferred
        yield* feed({ _tag: "Leave" })
        // Interruptible, so the timeout still works when this runs as a scope finalizer (uninterruptible).
        yield* Effect.interruptible(Deferred.await(deferred)).pipe(
          Effect.timeoutFail({
            duration: timeout ?? leaveTimeoutDefault,
            onTimeout: () => new MemberlistError({ reason: "Timeout", message: "the leave was not fully gossiped in time" })
          })
        )
      }).pipe(Effect.withSpan("Memberlist.leave"))

    if (options.leaveOnClose !== false) yield* Effect.addFinalizer(() => Effect.ignore(leave()))

    const resolve = (to: string | Address): Effect.Effect<Address, MemberlistError> => {
      if (typeof to !== "string") return Effect.succeed(to)
      const member = core.members.get(to)
      return member === undefined || member.state === NodeState.Dead || member.state === NodeState.Left
        ? Effect.fail(new MemberlistError({ reason: "UnknownMember", message: `no live member named ${to}` }))
        : Effect.succeed(member.address)
    }

    const encodeMessage = (message: A) =>
      codec.encode(message).pipe(
        Effect.mapError((error) => new MemberlistError({ reason: "InvalidMessage", message: error.message, cause: error }))
      )

    const rejected = (outputs: ReadonlyArray<Output>) => outputs.find((o) => o._tag === "Dropped")

    const service: Memberlist<A> = {
      localMember: Effect.sync(() => toMember(Core.member(core, config.name)!)),
      members: Effect.sync(() =>
        Core.members(core).filter((m) => m.state === NodeState.Alive || m.state === NodeState.Suspect).map(toMember)
      ),
      allMembers: Effect.sync(() => Core.members(core).map(toMember)),
      events: Stream.fromPubSub(events),
      watch: Stream.unwrapScoped(Effect.gen(function*() {
        const subscription = yield* PubSub.subscribe(events)
        const at = yield* Clock.currentTimeMillis
        const current: Array<MembershipEvent> = Core.members(core)
          .filter((m) => m.name !== config.name && (m.state === NodeState.Alive || m.state === NodeState.Suspect))
          .map((m) => ({ _tag: "MemberJoined", member: toMember(m), at }))
        return Stream.concat(Stream.fromIterable(current), Stream.fromQueue(subscription))
      })),
      receive: Stream.fromPubSub(received),
      subscribe: Stream.fromPubSub(received, { scoped: true }),
      subscribeEvents: Stream.fromPubSub(events, { scoped: true }),
      send: (to, message) =>
        Effect.gen(function*() {
          const address = yield* resolve(to)
          const payload = yield* encodeMessage(message)
          const bytes = encodePacket([{ _tag: "User", payload }], wire.packet(false))
          if (bytes.length > config.udpBufferSize) {
            return yield* new MemberlistError({
              reason: "MessageTooLarge",
              message: `${bytes.length} bytes exceed one ${config.udpBufferSize}-byte packet; use sendReliable`
            })
          }
          yield* transport.sendPacket(address, bytes).pipe(
            Effect.mapError((error) => new MemberlistError({ reason: "Transport", message: error.message, cause: error }))
          )
        }).pipe(Effect.withSpan("Memberlist.send")),
      sendReliable: (to, message) =>
        Effect.gen(function*() {
          const address = yield* resolve(to)
          const payload = yield* encodeMessage(message)
          yield* sendUserStream(transport, address, payload, wire.stream, tcpTimeout).pipe(
            Effect.mapError((error) => new MemberlistError({ reason: "Transport", message: error.message, cause: error }))
          )
        }).pipe(Effect.withSpan("Memberlist.sendReliable")),
      broadcast: (message) =>
        Effect.gen(function*() {
          const payload = yield* encodeMessage(message)
          const problem = rejected(yield* feed({ _tag: "Broadcast", payload }))
          if (problem !== undefined && problem._tag === "Dropped") {
            return yield* new MemberlistError({
              reason: problem.reason === "NotRunning" ? "NotRunning" : "MessageTooLarge",
              message: problem.detail
            })
          }
        }).pipe(Effect.withSpan("Memberlist.broadcast")),
      updateMetadata: (meta) =>
        Effect.gen(function*() {
          const problem = rejected(yield* feed({ _tag: "UpdateMetadata", meta }))
          if (problem !== undefined && problem._tag === "Dropped") {
            return yield* new MemberlistError({
              reason: problem.reason === "NotRunning" ? "NotRunning" : "MessageTooLarge",
              message: problem.detail
            })
          }
        }).pipe(Effect.withSpan("Memberlist.updateMetadata")),
      join,
      leave,
      healthScore: Effect.sync(() => Core.healthScore(core))
    }
    return service
  })

/** A layer providing a member under `tag`. */
export const layer = <Self, A, I>(tag: Context.Tag<Self, Memberlist<A>>, options: Options<A, I>) =>
  Layer.scoped(tag, make(options))
