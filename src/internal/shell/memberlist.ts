/**
 * A member on Node: wires the core's driver to the transport, discovery,
 * the clock and the application's subscribers, and offers the API. Only the
 * driver fiber steps the core; every other fiber (packets, streams, API
 * callers) submits commands to it through one bounded queue. Reads of the
 * member list happen between steps, never during one.
 *
 * @internal
 */
import { META_MAX_SIZE } from "../limits.js"
import { type Context, Deferred, Duration, Effect, Either, Exit, Fiber, FiberSet, Layer, Random, Stream } from "effect"
import { Discovery } from "../../Discovery.js"
import type { Memberlist, MembershipEvent, Options, Received } from "../../Memberlist.js"
import { MemberlistError } from "../../Memberlist.js"
import { SwimConfig, type SwimConfigShape } from "../../SwimConfig.js"
import { type Address, Transport } from "../../Transport.js"
import * as Driver from "../driver/driver.js"
import type { CoreConfig } from "../swim/config.js"
import * as Core from "../swim/core.js"
import type { Timer } from "../swim/io.js"
import { formatAddress, NodeState } from "../swim/messages.js"
import { EventQueue } from "../driver/eventQueue.js"
import { messageSize } from "../wire/messages.js"
import { encodePacket } from "../wire/packet.js"
import { advertiseHostFor } from "./advertise.js"
import * as Delivery from "./delivery.js"
import * as DriverLoop from "./driverLoop.js"
import { onConnection, onPacket } from "./inbound.js"
import { Mailbox } from "./mailbox.js"
import * as metrics from "./metrics.js"
import { type Command, make as makeNodeRuntime, type Outgoing, runSender } from "./nodeRuntime.js"
import { sendUserStream } from "./streams.js"
import { toEvent, toMember } from "./toPublic.js"
import { makeUserCodec } from "./userCodec.js"
import { makeWireOptions } from "./wireOptions.js"

/** Commands waiting for the driver fiber; producers wait when it is full. */
const commandCapacity = 1024
/** Packets waiting for the sender fiber; beyond it new packets are dropped and counted. */
const outboxCapacity = 4096
/** Stream exchanges one member runs at once. */
const maxStreams = 128

const coreConfigOf = (
  config: SwimConfigShape,
  address: Address,
  meta: Uint8Array,
  packetBudget: number,
  rediscoverInterval: number
): CoreConfig => ({
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
  maxMetaSize: META_MAX_SIZE,
  joinTimeout: 2 * Duration.toMillis(config.tcpTimeout),
  rediscoverInterval
})

/** Starts a member in the current scope. */
export const make = <A, I>(options: Options<A, I>) =>
  Effect.gen(function*() {
    const config = yield* SwimConfig
    const transport = yield* Transport
    const discovery = yield* Discovery
    const clock = yield* Effect.clock
    const wire = makeWireOptions(config)
    const codec = makeUserCodec(options.messages, options.encoding ?? "msgpack")
    const tcpTimeout = Duration.toMillis(config.tcpTimeout)

    for (const [name, buffer] of [["eventBuffer", options.eventBuffer], ["messageBuffer", options.messageBuffer]] as const) {
      const problem = Delivery.invalidDeliveryOptions(buffer)
      if (problem !== undefined) return yield* new MemberlistError({ reason: "NotRunning", message: `${name}: ${problem}` })
    }
    const bound = transport.boundAddress
    const advertise: Address = {
      host: config.advertiseHost ?? advertiseHostFor(bound.host),
      port: config.advertisePort ?? bound.port
    }
    const meta = options.meta ?? new Uint8Array(0)
    if (meta.length > META_MAX_SIZE) {
      return yield* new MemberlistError({ reason: "MessageTooLarge", message: `metadata is ${meta.length} bytes, over ${META_MAX_SIZE}` })
    }
    const rediscoverInterval = Duration.toMillis(Duration.decode(options.rediscoverInterval ?? Duration.seconds(30)))
    const coreConfig = coreConfigOf(config, advertise, meta, wire.packetBudget, rediscoverInterval)
    const problem = Core.invalidConfig(coreConfig)
    if (problem !== undefined) return yield* new MemberlistError({ reason: "NotRunning", message: problem })
    const seed = options.seed ?? (yield* Random.nextIntBetween(0, 2 ** 31))
    const core = Core.make({ config: coreConfig, seed, sizeOf: messageSize })

    const events = Delivery.make<MembershipEvent>("events", options.eventBuffer)
    const messages = Delivery.make<Received<A>>("messages", options.messageBuffer)
    const commands = new Mailbox<Command>(commandCapacity)
    const outbox = new Mailbox<Outgoing>(outboxCapacity)
    const timers = new EventQueue<Timer>()
    // The runtime captures the caller's flags: made interruptible, background fibers stop with the
    // scope even when `make` runs in an uninterruptible acquire.
    // It also captures the log annotation, once, for every fiber it forks.
    const fork = yield* Effect.interruptible(FiberSet.makeRuntime<never, any, never>()).pipe(
      Effect.annotateLogs({ member: config.name })
    )
    const submit = (command: Command) => commands.offer(command)

    const runtime = makeNodeRuntime({
      transport,
      discovery,
      wire,
      codec,
      tcpTimeout,
      maxStreams,
      now: () => clock.unsafeCurrentTimeMillis(),
      timers,
      outbox,
      events,
      messages,
      toEvent,
      fork,
      submit
    })
    const driver = Driver.make(core, runtime)

    const aliveCount = () => {
      let n = 0
      for (const m of core.members.values()) if (m.state === NodeState.Alive) n++
      return n
    }
    const afterBatch = () => {
      const depths = Core.queueDepths(core)
      metrics.healthScore.unsafeUpdate(Core.healthScore(core), [])
      metrics.membershipQueue.unsafeUpdate(depths.membership, [])
      metrics.userQueue.unsafeUpdate(depths.user, [])
      metrics.aliveMembers.unsafeUpdate(aliveCount(), [])
    }

    /**
     * Runs `f` on the driver fiber and waits for the answer it gives (into `answered`, which
     * something else may complete first). Once submitted, the wait is as interruptible as the caller.
     */
    const ask = <R>(
      f: (driver: Driver.Driver, answer: (value: R) => void) => void,
      answered?: Deferred.Deferred<R>
    ): Effect.Effect<R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(answered === undefined ? Deferred.make<R>() : Effect.succeed(answered), (deferred) =>
          Effect.zipRight(
            submit((d) => f(d, (value) => Deferred.unsafeDone(deferred, Exit.succeed(value)))),
            restore(Deferred.await(deferred))
          ))
      )

    fork(DriverLoop.run({ driver, runtime, commands, timers, clock, afterBatch }))
    fork(runSender(transport, outbox))
    fork(Stream.runForEach(transport.packets, (p) => onPacket(wire, submit)(p.from, p.bytes)))
    const handleConnection = onConnection(wire, tcpTimeout, submit)
    fork(Stream.runForEach(transport.connections, (c) => Effect.sync(() => fork(handleConnection(c)))))
    yield* ask<void>((d, done) => {
      d.call({ _tag: "Start" })
      done()
    })

    const join = (seeds: ReadonlyArray<Address>) =>
      Effect.gen(function*() {
        const outcome = yield* ask<Driver.JoinOutcome>((d, done) => d.join(seeds, done))
        if (outcome._tag === "Refused") {
          return yield* new MemberlistError({ reason: "NotRunning", message: outcome.dropped.detail })
        }
        if (outcome.contacted === 0 && seeds.length > 0) {
          return yield* new MemberlistError({ reason: "JoinFailed", message: `none of ${seeds.length} seeds answered` })
        }
        return outcome.contacted
      }).pipe(Effect.withSpan("Memberlist.join"))

    // The first join goes through discovery here, so `requireJoin` can fail the layer; later
    // rediscovery (while alone, and periodically) is the core's decision.
    const initial = yield* Effect.either(
      discovery.discover.pipe(
        Effect.mapError((error) => new MemberlistError({ reason: "JoinFailed", message: error.message, cause: error })),
        Effect.map((found) => found.filter((a) => formatAddress(a) !== formatAddress(advertise))),
        Effect.flatMap((seeds) => (seeds.length === 0 ? Effect.succeed(0) : join(seeds)))
      )
    )
    if (Either.isLeft(initial)) {
      if (options.requireJoin === true) return yield* initial.left
      yield* Effect.logDebug("initial discovery or join failed", initial.left.message)
    }

    const leaveTimeoutDefault = Duration.decode(options.leaveTimeout ?? Duration.seconds(3))
    // The deadline completes the same Deferred as the leave, so the wait needs no interruption: it
    // also works as a scope finalizer, where an interruptible wait would end before it began.
    const leave = (timeout?: Duration.DurationInput) =>
      Effect.gen(function*() {
        const left = yield* Deferred.make<boolean>()
        const deadline = fork(Effect.zipRight(Effect.sleep(timeout ?? leaveTimeoutDefault), Deferred.succeed(left, false)))
        const completed = yield* ask<boolean>((d, done) => d.leave(() => done(true)), left).pipe(
          Effect.ensuring(Fiber.interrupt(deadline))
        )
        if (!completed) {
          return yield* new MemberlistError({ reason: "Timeout", message: "the leave was not fully gossiped in time" })
        }
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

    const callCore = (input: Driver.ImmediateCall) =>
      Effect.flatMap(ask<Driver.JoinOutcome | undefined>((d, done) => {
        const dropped = d.call(input)
        done(dropped === undefined ? undefined : { _tag: "Refused", dropped })
      }), (outcome) =>
        outcome === undefined || outcome._tag !== "Refused"
          ? Effect.void
          : Effect.fail(
            new MemberlistError({
              reason: outcome.dropped.reason === "NotRunning" ? "NotRunning" : "MessageTooLarge",
              message: outcome.dropped.detail
            })
          ))

    const liveMembers = () =>
      Core.members(core).filter((m) => m.state === NodeState.Alive || m.state === NodeState.Suspect)

    const service: Memberlist<A> = {
      localMember: Effect.sync(() => toMember(Core.member(core, config.name)!)),
      members: Effect.sync(() => liveMembers().map(toMember)),
      allMembers: Effect.sync(() => Core.members(core).map(toMember)),
      events: Effect.gen(function*() {
        // Subscribing and reading the members happen between two steps, so nothing falls in between.
        const subscription = yield* events.subscribe
        const at = clock.unsafeCurrentTimeMillis()
        const current: Array<MembershipEvent> = liveMembers()
          .filter((m) => m.name !== config.name)
          .map((m) => ({ _tag: "MemberJoined", member: toMember(m), at }))
        return Stream.concat(Stream.fromIterable(current), Stream.fromQueue(subscription))
      }),
      receive: Effect.map(messages.subscribe, (subscription) => Stream.fromQueue(subscription)),
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
        Effect.flatMap(encodeMessage(message), (payload) => callCore({ _tag: "Broadcast", payload })).pipe(
          Effect.withSpan("Memberlist.broadcast")
        ),
      updateMetadata: (meta) => callCore({ _tag: "UpdateMetadata", meta }).pipe(Effect.withSpan("Memberlist.updateMetadata")),
      join,
      leave,
      healthScore: Effect.sync(() => Core.healthScore(core))
    }
    return service
  })

/** A layer providing a member under `tag`. */
export const layer = <Self, A, I>(tag: Context.Tag<Self, Memberlist<A>>, options: Options<A, I>) =>
  Layer.scoped(tag, make(options))
