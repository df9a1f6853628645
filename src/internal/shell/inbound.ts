/**
 * What arrives from the network, turned into commands for the driver:
 * packets are decoded here (decoding needs no state) and handed over whole;
 * a stream's single framed message becomes a request whose answer the
 * driver gives in the same step, written back on the stream, which then
 * closes. A request the core has no answer for (a stream ping meant for
 * another node) closes at once and is counted.
 *
 * @internal
 */
import { Deferred, Effect, Either, Exit } from "effect"
import type { Address, Connection } from "../../Transport.js"
import { TransportError } from "../../Transport.js"
import type * as ChunkSource from "../transport/chunkSource.js"
import { DecodeError } from "../wire/errors.js"
import { encodeStream, type StreamMessage } from "../wire/stream.js"
import type { StreamAnswer } from "../driver/driver.js"
import { addressKey } from "../swim/addressKey.js"
import { formatAddress } from "../swim/messages.js"
import { decodePacket } from "../wire/packet.js"
import type { MemberMetrics } from "./memberMetrics.js"
import * as guardMetrics from "./guardMetrics.js"
import * as metrics from "./metrics.js"
import type { RateLimit } from "./rateLimit.js"
import type { ReplayWindow } from "./replayWindow.js"
import type { Command } from "./nodeRuntime.js"
import { readFrame, readFrameNow, writeFrame } from "./streams.js"
import type { WireOptions } from "./wireOptions.js"

type Submit = (command: Command) => Effect.Effect<void>

/** What a packet passes besides decoding: its source's rate, and for an encrypted one, its nonce. */
export interface PacketGuards {
  readonly rateLimit: RateLimit
  readonly replays: ReplayWindow
  readonly now: () => number
}

/** What became of a packet: a command for the driver, nothing (dropped and counted), or a drop to log. */
export type PacketOutcome = Command | undefined | { readonly log: ReadonlyArray<string> }

/**
 * Decodes one packet into the command that hands its messages to the
 * driver. A packet from a source over its rate is dropped before decoding,
 * an encrypted one whose nonce was seen recently after it; both are counted.
 */
export const admitPacket = (wire: WireOptions, member: MemberMetrics, guards?: PacketGuards) =>
(from: Address, bytes: Uint8Array): PacketOutcome => {
  if (guards !== undefined && !guards.rateLimit.allow(addressKey(from), guards.now())) {
    member.count(guardMetrics.packetsRateLimited)
    return undefined
  }
  const options = wire.decodePacket()
  const decoded = decodePacket(bytes, options)
  if (Either.isLeft(decoded)) {
    member.countAs(metrics.decodeRejected, "reason", decoded.left.reason)
    return { log: ["dropped a packet", formatAddress(from), decoded.left.reason, decoded.left.message] }
  }
  if (guards !== undefined && (options.keyring?.keys.length ?? 0) > 0 && guards.replays.replayed(bytes)) {
    member.count(guardMetrics.packetsReplayed)
    return { log: ["dropped a replayed packet", formatAddress(from)] }
  }
  const { messages, truncated } = decoded.right
  member.count(metrics.packetsIn)
  member.count(metrics.bytesIn, bytes.length)
  if (truncated > 0) member.countAs(metrics.decodeRejected, "reason", "BadCompound")
  return messages.length === 0 ? undefined : (d) => d.handle({ _tag: "Received", from, messages, via: "packet" })
}

/** A request wants an answer written back on its stream: a push/pull or a stream ping. */
const wantsAnswer = (message: StreamMessage): message is Extract<StreamMessage, { _tag: "PushPull" | "Ping" }> =>
  message._tag === "PushPull" || message._tag === "Ping"

/** The command that hands a stream's message to the driver; for a request, the driver's answer goes to `respond`. */
const commandOf = (
  message: StreamMessage,
  from: Address,
  respond: (answer: StreamAnswer | undefined) => void
): Command =>
  message._tag === "PushPull"
    ? (d) =>
      d.request({ _tag: "PushPullRequest", from, join: message.join, states: message.states, userState: message.userState }, respond)
    : message._tag === "Ping"
    ? (d) => d.request({ _tag: "Received", from, messages: [message] }, respond)
    : (d) => d.handle({ _tag: "Received", from, messages: [message], via: "stream" })

/** The frame that answers `message`, or undefined when the driver had none (counted by the caller). */
const replyOf = (
  message: StreamMessage,
  answer: StreamAnswer | undefined,
  userState: Uint8Array | undefined
): StreamMessage | undefined => {
  if (answer?._tag === "PushPull" && message._tag === "PushPull") {
    // memberlist answers with the join flag it was asked with.
    return { _tag: "PushPull", join: message.join, states: answer.states, userState: userState ?? new Uint8Array(0) }
  }
  if (answer?._tag === "Messages" && answer.messages[0] !== undefined) return answer.messages[0]
  return undefined
}

const logEnded = (connection: Connection, error: TransportError | DecodeError) =>
  Effect.logDebug("stream ended badly", formatAddress(connection.remote), error.message)

/**
 * Reads one framed message from an accepted stream, lets the driver answer
 * it, writes the answer, closes. A push/pull's answer carries the
 * application state `localState` gives, asked for before the driver merges
 * the request's (as memberlist does).
 */
export const onConnection = (
  wire: WireOptions,
  tcpTimeout: number,
  submit: Submit,
  member: MemberMetrics,
  localState: (join: boolean) => Effect.Effect<Uint8Array>
) =>
(connection: Connection) =>
  Effect.gen(function*() {
    const message = yield* readFrame(connection, wire.decodeStream(), tcpTimeout)
    const from = connection.remote
    if (!wantsAnswer(message)) return yield* submit(commandOf(message, from, () => {}))
    const userState = message._tag === "PushPull" ? yield* localState(message.join) : undefined
    const answered = yield* Deferred.make<StreamAnswer | undefined>()
    yield* submit(commandOf(message, from, (answer) => Deferred.unsafeDone(answered, Exit.succeed(answer))))
    const reply = replyOf(message, yield* Deferred.await(answered), userState)
    if (reply !== undefined) yield* writeFrame(connection, reply, wire.stream())
    else member.count(metrics.streamsUnanswered)
  }).pipe(
    Effect.catchAll((error) =>
      Effect.zipRight(
        error._tag === "DecodeError"
          ? Effect.sync(() => member.countAs(metrics.decodeRejected, "reason", error.reason))
          : Effect.void,
        logEnded(connection, error)
      )
    ),
    Effect.ensuring(connection.close)
  )

/** What `answerNow` works with. */
export interface AnswerNowOptions {
  readonly wire: WireOptions
  readonly tcpTimeout: number
  /** Runs or queues a command without waiting; false when the mailbox is full. */
  readonly submitNow: (command: Command) => boolean
  /** Submits a command, waiting for room (on a fiber of its own: only when the mailbox was full). */
  readonly submit: Submit
  readonly member: MemberMetrics
  /** The application state a push/pull answer carries, given without an effect (there is no hook). */
  readonly localState: (join: boolean) => Uint8Array
  /** Runs an effect in the background: a log line, or a command waiting for room. */
  readonly fork: (effect: Effect.Effect<void>) => unknown
}

/**
 * `onConnection` in the transport's callbacks, for a connection with a side
 * door and a member on Effect's own clock: the frame is read from the
 * connection's inbox under a Node timer, the driver's answer is written and
 * the stream closed in the driver's step, so an exchange makes no fiber.
 * `ended` is called once the stream is closed; the function returned stops
 * the exchange and closes the stream (eviction, or the member stopping).
 */
export const answerNow = (options: AnswerNowOptions) =>
(connection: Connection, source: ChunkSource.ChunkSource, ended: () => void): () => void => {
  const { member, wire } = options
  let open = true
  const finish = (reply: StreamMessage | undefined) => {
    if (!open) return
    open = false
    source.answerAndClose(reply === undefined ? undefined : encodeStream(reply, wire.stream()))
    ended()
  }
  const dispatch = (command: Command) => {
    if (!options.submitNow(command)) options.fork(options.submit(command))
  }
  const stopRead = readFrameNow(source, wire.decodeStream(), options.tcpTimeout, (outcome) => {
    if (outcome instanceof TransportError || outcome instanceof DecodeError) {
      if (outcome instanceof DecodeError) member.countAs(metrics.decodeRejected, "reason", outcome.reason)
      options.fork(logEnded(connection, outcome))
      return finish(undefined)
    }
    const message = outcome
    if (!wantsAnswer(message)) {
      dispatch(commandOf(message, connection.remote, () => {}))
      return finish(undefined)
    }
    const userState = message._tag === "PushPull" ? options.localState(message.join) : undefined
    dispatch(commandOf(message, connection.remote, (answer) => {
      const reply = replyOf(message, answer, userState)
      if (reply === undefined) member.count(metrics.streamsUnanswered)
      finish(reply)
    }))
  })
  return () => {
    stopRead()
    finish(undefined)
  }
}
