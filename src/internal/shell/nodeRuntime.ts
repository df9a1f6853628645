/**
 * The driver's `Runtime` on Node: packets go to the packet sender (to the
 * socket at once, or through its bounded outbox), timers into the driver
 * loop's timer queue, stream exchanges and discovery run on fibers of their
 * own and come back as commands, and events and messages are delivered to
 * subscribers after the step that produced them.
 *
 * Every method runs on the driver's fiber, inside a step: it only records,
 * hands a datagram to the socket, or forks; it never waits.
 *
 * @internal
 */
import { Effect, type Fiber } from "effect"
import type { DiscoveryShape } from "../../Discovery.js"
import type { MembershipEvent, Received } from "../../Memberlist.js"
import { type Address, TransportError, type TransportShape } from "../../Transport.js"
import * as ChunkSource from "../transport/chunkSource.js"
import * as StreamDialer from "../transport/streamDialer.js"
import { DecodeError } from "../wire/errors.js"
import { encodeStream, type StreamMessage } from "../wire/stream.js"
import type { Driver } from "../driver/driver.js"
import type { Runtime } from "../driver/runtime.js"
import type { MembershipEvent as CoreEvent, Timer } from "../swim/io.js"
import { formatAddress, type PacketMessage, type PushNodeState } from "../swim/messages.js"
import type { EventQueue } from "../driver/eventQueue.js"
import { encodePacket, type EncodePacketOptions } from "../wire/packet.js"
import type { AppState } from "./appState.js"
import type { Delivery } from "./delivery.js"
import type { MemberMetrics } from "./memberMetrics.js"
import * as metrics from "./metrics.js"
import type { PacketSender } from "./packetSender.js"
import type { Telemetry } from "./telemetry.js"
import type { SystemRouter } from "./systemChannel.js"
import { pushPullClient, readFrameNow, streamPingClient } from "./streams.js"
import type { UserCodec } from "./userCodec.js"
import type { WireOptions } from "./wireOptions.js"

/** Work for the driver fiber: runs with the driver, between steps. */
export type Command = (driver: Driver) => void

/** A packet for the packet sender (sent at once or from its outbox). */
export interface Outgoing {
  readonly to: Address
  readonly bytes: Uint8Array
  /** The seqNo of a ping the packet carries: the core hears of it if the packet cannot leave this host. */
  readonly ping: number | undefined
}

const pingIn = (messages: ReadonlyArray<{ readonly _tag: string; readonly seqNo?: number }>): number | undefined => {
  for (const m of messages) if (m._tag === "Ping") return m.seqNo
  return undefined
}

/** What the Node runtime works with. */
export interface NodeRuntimeOptions<A> {
  readonly transport: TransportShape
  readonly discovery: DiscoveryShape
  readonly wire: WireOptions
  readonly codec: UserCodec<A>
  readonly appState: AppState
  readonly tcpTimeout: number
  /** Most stream exchanges (push/pull, stream ping, discovery) this member runs at once. */
  readonly maxStreams: number
  readonly now: () => number
  readonly timers: EventQueue<Timer>
  /** Where packets leave (packetSender.ts). */
  readonly sender: PacketSender
  readonly events: Delivery<MembershipEvent>
  readonly messages: Delivery<Received<A>>
  /** Where the library's own modules' messages go instead of `messages`. */
  readonly system: SystemRouter
  readonly toEvent: (event: CoreEvent, at: number) => MembershipEvent
  /** Forks background work that ends with the member. */
  readonly fork: <X>(effect: Effect.Effect<X>) => Fiber.RuntimeFiber<X, never>
  /** Hands a command to the driver fiber (from another fiber). */
  readonly submit: (command: Command) => Effect.Effect<void>
  /** Runs or queues a command without waiting (from a callback); false when the mailbox is full. */
  readonly submitNow: (command: Command) => boolean
  /** True on Effect's own clock: stream deadlines may then be Node timers. */
  readonly liveClock: boolean
  /** Whether debug lines are logged: when not, a core drop leaves no effect behind to log nothing. */
  readonly debugLogged: boolean
  /** The member's metrics. */
  readonly metrics: MemberMetrics
  /** The member's histograms and spans. */
  readonly telemetry: Telemetry
}

/** The runtime, and the work it left for the driver fiber to do after the step. */
export interface NodeRuntime extends Runtime {
  /** Effects recorded during steps (deliveries), in order; the driver fiber runs and clears them. */
  readonly pending: Array<Effect.Effect<void>>
  /** Commands for the driver itself that could not be handled inside a step; run after it. */
  readonly later: Array<Command>
  /** Stops the push/pulls running in callbacks (the member is stopping; fibers stop with their set). */
  readonly stopStreams: () => void
}

/** A Node runtime. */
export const make = <A>(options: NodeRuntimeOptions<A>): NodeRuntime => {
  const { transport, wire, tcpTimeout, events, messages, sender, metrics: member } = options
  const pending: Array<Effect.Effect<void>> = []
  const later: Array<Command> = []
  let streamsInFlight = 0
  // The last packet encoded, kept so that a run of sends of the same messages array (a join's greetings to
  // every member) is encoded once. Never an encrypted one: each of those needs its own nonce.
  let lastMessages: ReadonlyArray<PacketMessage> | undefined = undefined
  let lastOptions: EncodePacketOptions | undefined = undefined
  let lastBytes: Uint8Array = new Uint8Array(0)
  const encoded = (messages: ReadonlyArray<PacketMessage>, options: EncodePacketOptions): Uint8Array => {
    if (messages === lastMessages && options === lastOptions) return lastBytes
    const bytes = encodePacket(messages, options)
    if (options.encryption === undefined) {
      lastMessages = messages
      lastOptions = options
      lastBytes = bytes
    }
    return bytes
  }

  /** Counts a stream exchange in, within the cap; false (and `refused` for the driver) when the cap is reached. */
  const admitStream = (refused: Command): boolean => {
    if (streamsInFlight >= options.maxStreams) {
      member.count(metrics.streamsRefused)
      later.push(refused)
      return false
    }
    streamsInFlight++
    return true
  }
  const pushPullRefused = (token: number): Command => (d) =>
    d.handle({ _tag: "PushPullFailed", token, reason: "too many streams in flight" })

  /** Runs a stream exchange on its own fiber, within the cap; `refused` runs instead when the cap is reached. */
  const exchange = (work: Effect.Effect<Command>, refused: Command): void => {
    if (!admitStream(refused)) return
    options.fork(
      work.pipe(
        Effect.flatMap(options.submit),
        Effect.ensuring(Effect.sync(() => streamsInFlight--))
      )
    )
  }

  /** A command from a callback: at once, queued, or (mailbox full) waiting for room on a fiber. */
  const submitFromCallback = (command: Command): void => {
    if (!options.submitNow(command)) options.fork(options.submit(command))
  }
  const pushPullOk = (token: number, remote: { readonly states: ReadonlyArray<PushNodeState>; readonly userState: Uint8Array }): Command => {
    member.countAs(metrics.pushPulls, "reason", "ok")
    return (d) => d.handle({ _tag: "PushPullResponse", token, states: remote.states, userState: remote.userState })
  }
  const pushPullFailed = (token: number, to: Address, error: { readonly message: string }) => {
    member.countAs(metrics.pushPulls, "reason", "failed")
    return Effect.as(
      Effect.logDebug("push/pull failed", formatAddress(to), error.message),
      (d: Driver) => d.handle({ _tag: "PushPullFailed", token, reason: error.message })
    )
  }
  // With a transport that dials in callbacks, Effect's own clock, no localState hook and no tracer (whose
  // span needs an effect), a push/pull runs in callbacks: no fiber. Stopped with the member.
  const running = new Set<() => void>()
  const pushPullNow = (
    dial: StreamDialer.StreamDialer,
    local: (join: boolean) => Uint8Array,
    to: Address,
    join: boolean,
    states: ReadonlyArray<PushNodeState>,
    token: number
  ): void => {
    if (!admitStream(pushPullRefused(token))) return
    let stopDial = (): void => {}
    let stopRead = (): void => {}
    let source: ChunkSource.ChunkSource | undefined
    const stop = () => {
      stopDial()
      stopRead()
      source?.answerAndClose(undefined)
    }
    const settle = (outcome: StreamMessage | TransportError | DecodeError) => {
      if (!running.delete(stop)) return
      streamsInFlight--
      source?.answerAndClose(undefined)
      if (outcome instanceof TransportError || outcome instanceof DecodeError) {
        const failed = pushPullFailed(token, to, outcome)
        options.fork(Effect.flatMap(failed, (command) => Effect.sync(() => submitFromCallback(command))))
      } else if (outcome._tag !== "PushPull") {
        const failed = pushPullFailed(token, to, { message: `expected push/pull, got ${outcome._tag}` })
        options.fork(Effect.flatMap(failed, (command) => Effect.sync(() => submitFromCallback(command))))
      } else {
        submitFromCallback(pushPullOk(token, outcome))
      }
    }
    running.add(stop)
    stopDial = dial.dial(to, tcpTimeout, (connection) => {
      if (connection instanceof TransportError) return settle(connection)
      source = ChunkSource.of(connection)
      if (source === undefined) {
        options.fork(connection.close)
        return settle(new TransportError({ reason: "StreamFailed", message: "the stream has no side door" }))
      }
      source.writeNow(encodeStream({ _tag: "PushPull", join, states, userState: local(join) }, wire.stream()))
      stopRead = readFrameNow(source, wire.decodeStream(), tcpTimeout, settle)
    })
  }

  const publicEvent = (event: CoreEvent): MembershipEvent => options.toEvent(event, options.now())

  return {
    pending,
    later,
    stopStreams: () => {
      for (const stop of Array.from(running)) stop()
      running.clear()
    },
    now: options.now,
    send: (packet) => {
      const bytes = encoded(packet.messages, wire.packetOf(packet.crc, packet.messages))
      if (!sender.unsafeOffer({ to: packet.to, bytes, ping: pingIn(packet.messages) })) {
        member.count(metrics.outboxDropped)
        return
      }
      if (packet.probe) member.count(metrics.probes)
    },
    schedule: (at, timer) => options.timers.push(at, timer),
    streamPing: (to, ping, deadline) =>
      exchange(
        streamPingClient(transport, to, ping, wire.stream(), wire.decodeStream(), Math.max(1, deadline - options.now())).pipe(
          Effect.map((ack): Command => (d) => d.handle({ _tag: "Received", from: to, messages: [ack], via: "stream" })),
          Effect.catchAll(() => Effect.succeed<Command>(() => {}))
        ),
        () => {}
      ),
    pushPull: (to, join, states, token) => {
      const dialer = options.liveClock && !options.telemetry.tracing ? StreamDialer.of(transport) : undefined
      const localNow = options.appState.localNow
      if (dialer !== undefined && localNow !== undefined) return pushPullNow(dialer, localNow, to, join, states, token)
      exchange(
        Effect.flatMap(options.appState.local(join), (userState) =>
          pushPullClient(transport, to, join, states, userState, wire.stream(), wire.decodeStream(), tcpTimeout)).pipe(
          (exchange) => options.telemetry.pushPull(exchange, to, join),
          Effect.map((remote) => pushPullOk(token, remote)),
          Effect.catchAll((error) => pushPullFailed(token, to, error))
        ),
        pushPullRefused(token)
      )
    },
    discover: () =>
      exchange(
        options.discovery.discover.pipe(
          Effect.timeout(tcpTimeout),
          Effect.tapError((error) => Effect.logDebug("discovery failed", String(error))),
          Effect.orElseSucceed((): ReadonlyArray<Address> => []),
          Effect.map((addresses): Command => (d) => d.handle({ _tag: "Discovered", addresses }))
        ),
        (d) => d.handle({ _tag: "Discovered", addresses: [] })
      ),
    publish: (event) => {
      if (event._tag === "MemberSuspected") member.count(metrics.suspicions)
      else if (event._tag === "MemberFailed") member.count(metrics.deaths)
      else if (event._tag === "NameConflict") {
        member.count(metrics.nameConflicts)
        pending.push(Effect.logWarning(
          "name conflict",
          `${event.existing.name} stays at ${formatAddress(event.existing.address)}; refused ${formatAddress(event.claimant)}`
        ))
      }
      // Offered here, in the step, when that needs no effect (no subscriber, or dropping queues): a news
      // alive then wakes no fiber.
      const rest = events.publishNow(publicEvent, event)
      if (rest !== undefined) pending.push(rest)
    },
    deliver: (from, payload, origin, sender) => {
      if (options.system.dispatch(payload, sender)) return
      if (!messages.wanted()) {
        pending.push(messages.discard)
        return
      }
      pending.push(
        options.codec.decode(payload).pipe(
          Effect.flatMap((message) => messages.publish({ from, sender, origin, message })),
          Effect.catchAll((error) =>
            Effect.zipRight(
              Effect.sync(() => member.count(metrics.userMessagesRejected)),
              Effect.logDebug("dropped a user message that fails the schema", String(error.message).slice(0, 200))
            )
          )
        )
      )
    },
    mergeAppState: (state, join) => options.appState.merge(state, join),
    observe: options.telemetry.observe,
    dropped: (dropped) => {
      member.countAs(metrics.coreDropped, "reason", dropped.reason, dropped.count ?? 1)
      switch (dropped.reason) {
        case "JoinRefused":
        case "MergeRefused": {
          const hook = dropped.reason === "JoinRefused" ? "filterJoin" : "filterMerge"
          member.countAs(metrics.refusals, "reason", hook)
          pending.push(Effect.logInfo(`refused by ${hook}`, dropped.detail))
          return
        }
        case "AppStateTooLarge":
          member.countAs(metrics.appState, "reason", "remote_too_large")
          pending.push(Effect.logWarning("dropped received application state", dropped.detail))
          return
        default:
          // A flood of bad inputs would otherwise wake the driver fiber once per input to log nothing.
          if (options.debugLogged) pending.push(Effect.logDebug("core dropped an input", dropped.reason, dropped.detail))
      }
    }
  }
}
