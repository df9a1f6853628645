/**
 * A member on Node: wires the core's driver to the transport, discovery,
 * the clock and the application's subscribers, and offers the API. Only the
 * driver fiber steps the core; every other fiber (packets, streams, API
 * callers) submits commands to it through one bounded queue. Reads of the
 * member list happen between steps, never during one.
 *
 * @internal
 */
import { APP_STATE_MAX_SIZE, META_MAX_SIZE } from "../limits.js"
import {
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Either,
  Exit,
  Fiber,
  FiberRef,
  Layer,
  LogLevel,
  Option,
  Random,
  Scope,
  Stream,
  type Tracer
} from "effect"
import { Discovery, type DiscoveryShape } from "../../Discovery.js"
import type { Member, Memberlist, MembershipEvent, Options, Received } from "../../Memberlist.js"
import {
  InvalidMessage,
  InvalidOptions,
  JoinFailed,
  LeaveTimeout,
  MessageTooLarge,
  MetadataTooLarge,
  NotRunning,
  TransportFailed,
  UnknownMember
} from "../../Memberlist.js"
import { SwimConfig, type SwimConfigShape } from "../../SwimConfig.js"
import { type Address, type Connection, Transport, type TransportShape } from "../../Transport.js"
import * as Driver from "../driver/driver.js"
import * as ChunkSource from "../transport/chunkSource.js"
import * as FastPath from "../transport/fastPath.js"
import * as LiveClock from "../transport/liveClock.js"
import type { Dropped } from "../driver/runtime.js"
import type { CoreConfig } from "../swim/config.js"
import * as Core from "../swim/core.js"
import * as Inspect from "../swim/inspect.js"
import type { Timer } from "../swim/io.js"
import { broadcastSize } from "../swim/lifecycle.js"
import { formatAddress, NodeState } from "../swim/messages.js"
import { encodeSenderEnvelope, ownVersions, wantsSenderEnvelope } from "../swim/sender.js"
import { EventQueue } from "../driver/eventQueue.js"
import { messageSize } from "../wire/messages.js"
import { MAX_PUSH_STATE_BYTES as MAX_APP_STATE_ON_WIRE } from "../wire/stream.js"
import { encodePacket } from "../wire/packet.js"
import { advertisedAddress } from "./advertise.js"
import * as AppState from "./appState.js"
import * as Delivery from "./delivery.js"
import * as DriverLoop from "./driverLoop.js"
import { admitPacket, answerNow, onConnection } from "./inbound.js"
import * as LiveKeyring from "./keyring.js"
import * as Lifetime from "./lifetime.js"
import { maxBroadcastKeyBytes } from "../swim/userBroadcast.js"
import { InboundLimit } from "./inboundLimit.js"
import { BatchGauges } from "./batchGauges.js"
import { Mailbox } from "./mailbox.js"
import { receivePackets } from "./packetIntake.js"
import { holdMemberSeries } from "../seriesRetirement.js"
import { MemberMetrics } from "./memberMetrics.js"
import * as metrics from "./metrics.js"
import { type Command, make as makeNodeRuntime, type Outgoing } from "./nodeRuntime.js"
import * as PacketSender from "./packetSender.js"
import { RateLimit } from "./rateLimit.js"
import { ReplayWindow } from "./replayWindow.js"
import { sendUserStream } from "./streams.js"
import { attachSystemChannels, makeRouter } from "./systemChannel.js"
import { claimTransport } from "./transportClaim.js"
import { toEvent, toMember } from "./toPublic.js"
import * as Telemetry from "./telemetry.js"
import { makeUserCodec } from "./userCodec.js"
import { makeWireOptions } from "./wireOptions.js"


const utf8 = new TextEncoder()
/** Commands waiting for the driver fiber; producers wait when it is full. */
const commandCapacity = 1024
/** Packets waiting in the outbox for the drain; beyond it new packets are dropped and counted. */
const outboxCapacity = 4096
/** Stream exchanges one member runs at once. */
const maxStreams = 128
/** Accepted streams one member serves at once, and from one remote host (see `InboundLimit`). */
const maxInboundStreams = 256
const maxInboundStreamsPerHost = 64

/** What the core takes from `Options` beyond the SwimConfig. */
type CoreOptions = Pick<CoreConfig, "rediscoverInterval" | "maxAppStateSize" | "filterJoin" | "filterMerge">

const coreConfigOf = (
  config: SwimConfigShape,
  address: Address,
  meta: Uint8Array,
  packetBudget: number,
  options: CoreOptions
): CoreConfig => ({
  name: config.name,
  address,
  meta,
  versions: ownVersions(config.protocolVersion),
  probeInterval: Duration.toMillis(config.probeInterval),
  probeTimeout: Duration.toMillis(config.probeTimeout),
  indirectChecks: config.indirectChecks,
  tcpPingFallback: config.tcpPingFallback,
  alignedProbing: config.alignedProbing,
  verifySuspects: config.verifySuspects,
  repeatDirectPing: config.repeatDirectPing,
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
  incarnationWindow: config.incarnationWindow,
  packetBudget,
  userBroadcastShare: config.userBroadcastShare,
  maxMembershipQueue: 8192,
  maxUserQueue: 1024,
  maxMetaSize: META_MAX_SIZE,
  joinTimeout: 2 * Duration.toMillis(config.tcpTimeout),
  ...options
})

/** The application's filters, in the core's terms. */
const filtersOf = <A, I>(options: Options<A, I>): Pick<CoreConfig, "filterJoin" | "filterMerge"> => {
  const { filterJoin, filterMerge } = options
  return {
    filterJoin,
    filterMerge: filterMerge === undefined ? undefined : (peers, join) => filterMerge(peers.map(toMember), join)
  }
}

/** The three services a member runs on, given directly rather than read from the context. */
export interface Services {
  readonly config: SwimConfigShape
  readonly transport: TransportShape
  readonly discovery: DiscoveryShape
}

/** Starts a member in the current scope, on the services in the context. */
export const make = <A, I>(options: Options<A, I>) =>
  Effect.contextWithEffect((context: Context.Context<SwimConfig | Transport | Discovery>) =>
    start(options, {
      config: Context.get(context, SwimConfig),
      transport: Context.get(context, Transport),
      discovery: Context.get(context, Discovery)
    })
  )

/**
 * What a member takes from the fiber that starts it, in one step: its clock, the tracer the
 * application installed, whether debug lines are logged, and its lifetime, added to the scope,
 * whose one finalizer releases what the member holds in the order the comments in `start` give
 * (lifetime.ts). Read one by one they took four steps of their own and about 15 interpreter steps.
 */
const fromFiber = (member: string) =>
  Effect.withFiberRuntime<StartedFrom, never, Scope.Scope>((fiber, status) => {
    const lifetime = Lifetime.unsafeMake(fiber, status.runtimeFlags, member)
    const from: StartedFrom = {
      lifetime,
      clock: Context.get(fiber.currentDefaultServices, Clock.Clock),
      tracer: Telemetry.installedTracerOf(fiber),
      debugLogged: !LogLevel.lessThan(LogLevel.Debug, fiber.getFiberRef(FiberRef.currentMinimumLogLevel))
    }
    return Effect.as(Scope.addFinalizer(Lifetime.scopeOf(fiber), lifetime.close), from)
  })

/** What `fromFiber` reads. */
interface StartedFrom {
  readonly lifetime: Lifetime.Lifetime
  readonly clock: Clock.Clock
  readonly tracer: Tracer.Tracer | undefined
  readonly debugLogged: boolean
}

/** Starts a member in the current scope, on `services`. */
export const start = <A, I>(options: Options<A, I>, services: Services) =>
  Effect.gen(function*() {
    const { config, discovery, transport } = services
    const { clock, debugLogged, lifetime, tracer } = yield* fromFiber(config.name)
    const claim = claimTransport(transport, config.name)
    if (typeof claim !== "function") return yield* claim
    // Released last of all (after the transport's claim, which stops its counters carrying our name).
    lifetime.afterFibers(holdMemberSeries(config.name))
    lifetime.afterFibers(claim)
    const keyring = LiveKeyring.fromConfig(config.name, config.secretKeys)
    if (Either.isLeft(keyring)) {
      return yield* new InvalidOptions({ option: "secretKeys", problem: keyring.left.message })
    }
    const wire = makeWireOptions(config, keyring.right.current)
    const codec = makeUserCodec(options.messages, options.encoding ?? "msgpack")
    const tcpTimeout = Duration.toMillis(config.tcpTimeout)

    for (const [name, buffer] of [["eventBuffer", options.eventBuffer], ["messageBuffer", options.messageBuffer]] as const) {
      const problem = Delivery.invalidDeliveryOptions(buffer)
      if (problem !== undefined) return yield* new InvalidOptions({ option: name, problem })
    }
    const bound = transport.boundAddress
    const advertise: Address = advertisedAddress(config, bound)
    const meta = options.meta ?? new Uint8Array(0)
    if (meta.length > META_MAX_SIZE) {
      return yield* new InvalidOptions({ option: "meta", problem: `${meta.length} bytes, over the ${META_MAX_SIZE}-byte limit` })
    }
    const rediscoverInterval = Duration.toMillis(Duration.decode(options.rediscoverInterval ?? Duration.seconds(30)))
    const maxAppStateSize = options.maxAppStateSize ?? APP_STATE_MAX_SIZE
    if (!Number.isInteger(maxAppStateSize) || maxAppStateSize < 0 || maxAppStateSize > MAX_APP_STATE_ON_WIRE) {
      return yield* new InvalidOptions({
        option: "maxAppStateSize",
        problem: `must be a whole number of bytes from 0 to ${MAX_APP_STATE_ON_WIRE}`
      })
    }
    const coreConfig = coreConfigOf(config, advertise, meta, wire.packetBudget, {
      rediscoverInterval,
      maxAppStateSize,
      ...filtersOf(options)
    })
    const problem = Core.invalidConfig(coreConfig)
    // Options were checked above, so what the core refuses comes from the SwimConfig (or rediscoverInterval).
    if (problem !== undefined) return yield* new InvalidOptions({ option: "SwimConfig", problem })
    const seed = options.seed ?? (yield* Random.nextIntBetween(0, 2 ** 31))
    const core = Core.make({ config: coreConfig, seed, sizeOf: messageSize })

    const memberMetrics = new MemberMetrics(config.name)
    const telemetry = Telemetry.make({ metrics: memberMetrics, tracer, clock })
    lifetime.afterFibers(telemetry.close)
    const events = Delivery.make<MembershipEvent>("events", options.eventBuffer, memberMetrics)
    const messages = Delivery.make<Received<A>>("messages", options.messageBuffer, memberMetrics)
    const commands = new Mailbox<Command>(commandCapacity)
    const timers = new EventQueue<Timer>()
    const fork = lifetime.fork
    /** Set once the loop exists; until then every command is queued. */
    let runNow: (command: Command) => boolean = () => false
    const submit = (command: Command) => Effect.suspend(() => runNow(command) ? Effect.void : commands.offer(command))
    const sender = PacketSender.make({
      transport,
      outbox: new Mailbox<Outgoing>(outboxCapacity),
      metrics: memberMetrics,
      submit,
      fork
    })
    const system = makeRouter({
      addressOf: (name) => {
        const member = core.members.get(name)
        return member !== undefined && (member.state === NodeState.Alive || member.state === NodeState.Suspect)
          ? member.address
          : undefined
      },
      sendPacket: (to, payload) => {
        if (sender.unsafeOffer({ to, bytes: encodePacket([{ _tag: "User", payload }], wire.packet(false)), ping: undefined })) return true
        memberMetrics.count(metrics.outboxDropped)
        return false
      },
      member: memberMetrics
    })

    const appState = AppState.make({
      member: memberMetrics,
      localState: options.localState,
      mergeRemoteState: options.mergeRemoteState,
      maxSize: maxAppStateSize,
      timeout: config.tcpTimeout
    })

    const runtime = makeNodeRuntime({
      transport,
      discovery,
      wire,
      codec,
      appState,
      tcpTimeout,
      maxStreams,
      now: () => clock.unsafeCurrentTimeMillis(),
      timers,
      sender,
      events,
      messages,
      system,
      toEvent,
      fork,
      submit,
      submitNow: (command) => runNow(command) || commands.unsafeOffer(command),
      liveClock: LiveClock.isLive(clock),
      debugLogged,
      metrics: memberMetrics,
      telemetry
    })
    // Push/pulls run in callbacks have no fiber for the scope to interrupt: they are stopped here.
    lifetime.beforeFibers(runtime.stopStreams)
    const driver = Driver.make(core, {
      ...runtime,
      publish: (event) => {
        gauges.changed()
        runtime.publish(event)
      }
    })

    const gauges = new BatchGauges(memberMetrics, {
      healthScore: () => Core.healthScore(core),
      queueDepths: () => Core.queueDepths(core),
      countAlive: () => {
        let n = 0
        core.members.forEach((m) => {
          if (m.state === NodeState.Alive) n++
        })
        return n
      },
      now: () => clock.unsafeCurrentTimeMillis()
    })
    const afterBatch = gauges.update

    // Once the scope closes, the driver fiber stops: a call made then (or still waiting) is answered at
    // once with what a stopped member answers, instead of waiting for ever. Registered before the leave
    // finalizer, so it runs after the leave.
    let stopped = false
    const waiting = new Set<() => void>()
    lifetime.beforeFibers(() => {
      stopped = true
      for (const answerStopped of waiting) answerStopped()
      waiting.clear()
    })
    const notRunning: Dropped = { _tag: "Dropped", reason: "NotRunning", detail: "the member has stopped" }

    /**
     * Runs `f` on the driver fiber and waits for the answer it gives, in one `Effect.async`: the command
     * is handed over in the caller's step (run at once when the loop is parked, else queued) and the
     * answer resumes the caller. A Deferred, a mask and a finalizer per call took about 25 interpreter
     * steps (docs/performance.md, "Start and join, the Effect runtime"). The wait is as interruptible as
     * the caller; an interrupted caller's answer, when it comes, goes nowhere (Effect ignores a resume
     * after the interruption). When the mailbox is full the command waits for room on a fiber of the
     * member, as `submit` waits, and the caller waits for the answer.
     */
    const ask = <R>(
      f: (driver: Driver.Driver, answer: (value: R) => void) => void,
      whenStopped: { readonly value: R }
    ): Effect.Effect<R> =>
      Effect.async<R>((resume) => {
        if (stopped) {
          resume(Effect.succeed(whenStopped.value))
          return
        }
        let done = false
        const answer = (value: R): void => {
          if (done) return
          done = true
          waiting.delete(answerStopped)
          resume(Effect.succeed(value))
        }
        const answerStopped = () => answer(whenStopped.value)
        waiting.add(answerStopped)
        const command: Command = (d) => f(d, answer)
        if (!runNow(command) && !commands.offerNow(command)) fork(commands.offer(command))
      })

    /**
     * `ask`, with the answer going into `answered`, which something else may complete first (a leave's
     * deadline). Once submitted, the wait is as interruptible as the caller.
     */
    const askInto = <R>(
      f: (driver: Driver.Driver, answer: (value: R) => void) => void,
      answered: Deferred.Deferred<R>,
      whenStopped: { readonly value: R }
    ): Effect.Effect<R> =>
      Effect.suspend(() =>
        stopped
          ? Effect.succeed(whenStopped.value)
          : Effect.uninterruptibleMask((restore) => {
            const answerStopped = () => Deferred.unsafeDone(answered, Exit.succeed(whenStopped.value))
            waiting.add(answerStopped)
            return Effect.zipRight(
              submit((d) => f(d, (value) => Deferred.unsafeDone(answered, Exit.succeed(value)))),
              restore(Deferred.await(answered))
            ).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(answerStopped))))
          })
      )

    const loop = DriverLoop.make({ driver, runtime, commands, timers, clock, afterBatch })
    runNow = loop.tryRun
    fork(loop.run)
    if (appState.run !== undefined) fork(appState.run)
    const guards = { rateLimit: new RateLimit(), replays: new ReplayWindow(), now: () => clock.unsafeCurrentTimeMillis() }
    // Released before the fibers above are interrupted.
    receivePackets({
      transport,
      admit: admitPacket(wire, memberMetrics, guards),
      submitNow: (command) => runNow(command) || commands.unsafeOffer(command),
      submit,
      fork,
      debugLogged,
      onStop: (release) => lifetime.beforeFibers(release)
    })
    const handleConnection = onConnection(wire, tcpTimeout, submit, memberMetrics, appState.local)
    // With a side door on the connection, Effect's own clock and no localState hook, an accepted stream is
    // served in the transport's callbacks and the driver's step, with no fiber (inbound.ts, answerNow).
    const answerInCallbacks = LiveClock.isLive(clock) && appState.localNow !== undefined
      ? answerNow({
        wire,
        tcpTimeout,
        submitNow: (command) => runNow(command) || commands.unsafeOffer(command),
        submit,
        member: memberMetrics,
        localState: appState.localNow,
        fork
      })
      : undefined
    /** What stops one accepted stream: its fiber's interruption, or the callback exchange's stop. */
    const inbound = new InboundLimit<() => void>(maxInboundStreams, maxInboundStreamsPerHost)
    /** Serves one accepted stream; always has room, since the limit evicts the oldest to admit it. */
    const serve = (connection: Connection): true => {
      const admitted = inbound.admit(connection.remote.host)
      if (admitted.evicted !== undefined) {
        memberMetrics.count(metrics.inboundStreamsEvicted)
        admitted.evicted()
      }
      const source = ChunkSource.of(connection)
      if (answerInCallbacks !== undefined && source !== undefined) {
        inbound.track(admitted.id, answerInCallbacks(connection, source, () => inbound.release(admitted.id)))
        return true
      }
      const fiber = fork(Effect.ensuring(handleConnection(connection), Effect.sync(() => inbound.release(admitted.id))))
      inbound.track(admitted.id, () => fork(Fiber.interrupt(fiber)))
      return true
    }
    // Streams served in callbacks have no fiber for the scope to interrupt: they are stopped here, while
    // `fork` still runs (the lifetime interrupts its fibers after these releases).
    lifetime.beforeFibers(() => inbound.forEachLive((stop) => stop()))
    // With the Node transport's fast path no fiber waits for connections: each one is served in the
    // server's callback. Released before the fibers above are interrupted (finalizers run in reverse).
    const fast = FastPath.of(transport)
    if (fast !== undefined) {
      lifetime.beforeFibers(fast.accept(serve))
    } else {
      fork(Stream.runForEach(transport.connections, (connection) => Effect.sync(() => serve(connection))))
    }
    // The loop was just forked and is parked, so it takes the Start in this call, with no Deferred to
    // wait on; were it not parked, the Start would wait in the queue for an answer like any call.
    const start: Command = (d) => {
      d.call({ _tag: "Start" })
    }
    if (!runNow(start)) {
      yield* ask<void>((d, done) => {
        start(d)
        done()
      }, { value: undefined })
    }

    /** The driver's answer to a join of `seeds`. */
    const joinOutcome = (seeds: ReadonlyArray<Address>) =>
      ask<Driver.JoinOutcome>((d, done) => d.join(seeds, done), {
        value: { _tag: "Completed", contacted: 0, failed: seeds.length }
      })
    /** What `join` returns for `outcome`. */
    const joinResult = (seeds: ReadonlyArray<Address>, outcome: Driver.JoinOutcome): Effect.Effect<number, JoinFailed> =>
      // The core refuses a join only before Start, and `make` started it before anyone can call this.
      outcome._tag === "Refused"
        ? Effect.dieMessage(`join refused: ${outcome.dropped.detail}`)
        : outcome.contacted === 0 && seeds.length > 0
        ? Effect.fail(new JoinFailed({ seeds }))
        : Effect.succeed(outcome.contacted)
    const joinTraced = (seeds: ReadonlyArray<Address>) =>
      Effect.gen(function*() {
        if (telemetry.tracing) telemetry.setJoinSpan(Option.getOrUndefined(yield* Effect.option(Effect.currentSpan)))
        const outcome = yield* joinOutcome(seeds)
        if (outcome._tag !== "Refused") yield* Effect.annotateCurrentSpan({ contacted: outcome.contacted, failed: outcome.failed })
        return yield* joinResult(seeds, outcome)
      }).pipe(
        Effect.ensuring(Effect.sync(() => telemetry.setJoinSpan(undefined))),
        Effect.onExit((exit) => Effect.annotateCurrentSpan("outcome", Exit.isSuccess(exit) ? "ok" : "failed")),
        Effect.withSpan("Memberlist.join", {
          attributes: { member: config.name, peer: seeds.map(formatAddress).join(",") }
        })
      )
    /**
     * A join in a span when the calling fiber has a tracer of the application's (read at each call),
     * else with no span at all: Effect's default tracer makes a span, with a stack capture, that goes
     * nowhere, and the span and its annotations were most of a join's 117 interpreter steps.
     */
    const join = (seeds: ReadonlyArray<Address>): Effect.Effect<number, JoinFailed> =>
      Effect.withFiberRuntime((fiber) =>
        Telemetry.installedTracerOf(fiber) === undefined
          ? Effect.flatMap(joinOutcome(seeds), (outcome) => joinResult(seeds, outcome))
          : joinTraced(seeds)
      )

    // The first join goes through discovery here, so `requireJoin` can fail the layer; later
    // rediscovery (while alone, and periodically) is the core's decision.
    // One match rather than four combinators: a member found by no one (the usual start) takes three steps.
    const initial: Either.Either<number, JoinFailed> = yield* Effect.matchEffect(discovery.discover, {
      onFailure: (error) => Effect.succeed(Either.left(new JoinFailed({ seeds: [], cause: error }))),
      onSuccess: (found) => {
        const seeds = found.filter((a) => formatAddress(a) !== formatAddress(advertise))
        return seeds.length === 0 ? Effect.succeed(Either.right(0)) : Effect.either(join(seeds))
      }
    })
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
        const completed = yield* askInto<boolean>((d, done) => d.leave(() => done(true)), left, { value: true }).pipe(
          Effect.ensuring(Fiber.interrupt(deadline))
        )
        if (!completed) return yield* new LeaveTimeout({ timeout: Duration.decode(timeout ?? leaveTimeoutDefault) })
      }).pipe(Effect.withSpan("Memberlist.leave"))
    if (options.leaveOnClose !== false) yield* Effect.addFinalizer(() => Effect.ignore(leave()))

    const resolve = (to: string | Address): Effect.Effect<Address, UnknownMember> => {
      if (typeof to !== "string") return Effect.succeed(to)
      const member = core.members.get(to)
      return member === undefined || member.state === NodeState.Dead || member.state === NodeState.Left
        ? Effect.fail(new UnknownMember({ name: to }))
        : Effect.succeed(member.address)
    }

    const encodeMessage = (message: A) =>
      codec.encode(message).pipe(Effect.mapError((cause) => new InvalidMessage({ cause })))

    /** Runs an API input in its own step; the core's refusal, if any, is what `refused` makes of it. */
    const callCore = <E>(input: Driver.ImmediateCall, refused: (dropped: Dropped) => E): Effect.Effect<void, E> =>
      Effect.flatMap(
        ask<Dropped | undefined>((d, done) => done(d.call(input)), { value: notRunning }),
        (dropped) => (dropped === undefined ? Effect.void : Effect.fail(refused(dropped)))
      )

    // One pass over the table straight into public members: `members` is what applications poll, and a
    // core snapshot, a filtered copy and a mapped copy per call were most of what polling allocated.
    // The array is sized by a first pass: growing it by push copied its backing store several times a call.
    const isLive = (m: { readonly state: NodeState }) => m.state === NodeState.Alive || m.state === NodeState.Suspect
    const publicMembers = (liveOnly: boolean): Array<Member> => {
      let size = liveOnly ? 0 : core.members.size
      if (liveOnly) {
        core.members.forEach((m) => {
          if (isLive(m)) size++
        })
      }
      const out = new Array<Member>(size)
      let i = 0
      core.members.forEach((m) => {
        if (i < size && (!liveOnly || isLive(m))) out[i++] = toMember(m)
      })
      return out
    }

    const service: Memberlist<A> = {
      localMember: Effect.sync(() => toMember(Core.member(core, config.name)!)),
      members: Effect.sync(() => publicMembers(true)),
      allMembers: Effect.sync(() => publicMembers(false)),
      events: Effect.gen(function*() {
        // Subscribing and reading the members happen between two steps, so nothing falls in between.
        const subscription = yield* events.subscribe
        const at = clock.unsafeCurrentTimeMillis()
        const current: Array<MembershipEvent> = publicMembers(true)
          .filter((m) => m.name !== config.name)
          .map((member) => ({ _tag: "MemberJoined", member, at }))
        return Stream.concat(Stream.fromIterable(current), Stream.fromQueue(subscription))
      }),
      receive: Effect.map(messages.subscribe, (subscription) => Stream.fromQueue(subscription)),
      send: (to, message) =>
        Effect.gen(function*() {
          const address = yield* resolve(to)
          const payload = yield* encodeMessage(message)
          const bytes = encodePacket([{ _tag: "User", payload }], wire.packet(false))
          if (bytes.length > config.udpBufferSize) {
            return yield* new MessageTooLarge({ size: bytes.length, limit: config.udpBufferSize })
          }
          yield* transport.sendPacket(address, bytes).pipe(Effect.mapError((cause) => new TransportFailed({ to: address, cause })))
        }).pipe(Effect.withSpan("Memberlist.send")),
      sendReliable: (to, message) =>
        Effect.gen(function*() {
          const address = yield* resolve(to)
          const body = yield* encodeMessage(message)
          // Only a member that said it reads our envelope gets one: a Go node would deliver its bytes as the message.
          const payload = wantsSenderEnvelope(core, address) ? encodeSenderEnvelope(config.name, body) : body
          yield* sendUserStream(transport, address, payload, wire.stream(), tcpTimeout).pipe(
            Effect.mapError((cause) => new TransportFailed({ to: address, cause }))
          )
        }).pipe(Effect.withSpan("Memberlist.sendReliable")),
      broadcast: (message, broadcastOptions) => {
        const key = broadcastOptions?.key
        if (key !== undefined && utf8.encode(key).length > maxBroadcastKeyBytes) {
          return Effect.fail(new InvalidOptions({ option: "key", problem: `longer than ${maxBroadcastKeyBytes} UTF-8 bytes` }))
        }
        return Effect.flatMap(encodeMessage(message), (payload) =>
          callCore<InvalidMessage | MessageTooLarge | NotRunning | InvalidOptions>({ _tag: "Broadcast", payload, key }, (dropped) =>
            dropped.reason === "NotRunning"
              ? new NotRunning({ operation: "broadcast" })
              : new MessageTooLarge(broadcastSize(core, payload)))).pipe(Effect.withSpan("Memberlist.broadcast"))
      },
      updateMetadata: (meta) =>
        Effect.withSpan(
          meta.length > META_MAX_SIZE
            ? Effect.fail<MetadataTooLarge | NotRunning>(new MetadataTooLarge({ size: meta.length, limit: META_MAX_SIZE }))
            // Within the limit, the core refuses an update only once this member is leaving or has left.
            : callCore({ _tag: "UpdateMetadata", meta }, () => new NotRunning({ operation: "updateMetadata" })),
          "Memberlist.updateMetadata"
        ),
      join,
      leave,
      healthScore: Effect.sync(() => Core.healthScore(core)),
      suspicions: Effect.sync(() => ({
        held: Inspect.suspicions(core),
        maxTimeout: Duration.millis(Inspect.maxSuspicionTimeout(core))
      })),
      keyring: keyring.right.api
    }
    return attachSystemChannels(service, system)
  })

/** A layer providing a member under `tag`. */
export const layer = <Self, A, I>(tag: Context.Tag<Self, Memberlist<A>>, options: Options<A, I>) =>
  Layer.scoped(tag, make(options))
