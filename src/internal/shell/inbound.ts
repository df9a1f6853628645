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
import { Deferred, Effect, Either, Exit, Metric } from "effect"
import type { Address, Connection } from "../../Transport.js"
import type { StreamAnswer } from "../driver/driver.js"
import { formatAddress } from "../swim/messages.js"
import { decodePacket } from "../wire/packet.js"
import * as guardMetrics from "./guardMetrics.js"
import * as metrics from "./metrics.js"
import type { RateLimit } from "./rateLimit.js"
import type { ReplayWindow } from "./replayWindow.js"
import type { Command } from "./nodeRuntime.js"
import { readFrame, writeFrame } from "./streams.js"
import type { WireOptions } from "./wireOptions.js"

type Submit = (command: Command) => Effect.Effect<void>

/** What a packet passes besides decoding: its source's rate, and for an encrypted one, its nonce. */
export interface PacketGuards {
  readonly rateLimit: RateLimit
  readonly replays: ReplayWindow
  readonly now: () => number
}

/**
 * Decodes one packet and hands its messages to the driver. A packet from a
 * source over its rate is dropped before decoding, an encrypted one whose
 * nonce was seen recently after it; both are counted.
 */
export const onPacket = (wire: WireOptions, submit: Submit, guards?: PacketGuards) =>
(from: Address, bytes: Uint8Array): Effect.Effect<void> => {
  if (guards !== undefined && !guards.rateLimit.allow(formatAddress(from), guards.now())) {
    guardMetrics.packetsRateLimited.unsafeUpdate(1, [])
    return Effect.void
  }
  const options = wire.decodePacket()
  const decoded = decodePacket(bytes, options)
  if (Either.isLeft(decoded)) {
    metrics.withReason(metrics.decodeRejected, decoded.left.reason).unsafeUpdate(1, [])
    return Effect.logDebug("dropped a packet", formatAddress(from), decoded.left.reason, decoded.left.message)
  }
  if (guards !== undefined && (options.keyring?.keys.length ?? 0) > 0 && guards.replays.replayed(bytes)) {
    guardMetrics.packetsReplayed.unsafeUpdate(1, [])
    return Effect.logDebug("dropped a replayed packet", formatAddress(from))
  }
  const { messages, truncated } = decoded.right
  metrics.packetsIn.unsafeUpdate(1, [])
  metrics.bytesIn.unsafeUpdate(bytes.length, [])
  if (truncated > 0) metrics.withReason(metrics.decodeRejected, "BadCompound").unsafeUpdate(1, [])
  return messages.length === 0 ? Effect.void : submit((d) => d.handle({ _tag: "Received", from, messages, via: "packet" }))
}

/** Reads one framed message from an accepted stream, lets the driver answer it, writes the answer, closes. */
export const onConnection = (wire: WireOptions, tcpTimeout: number, submit: Submit) => (connection: Connection) =>
  Effect.gen(function*() {
    const message = yield* readFrame(connection, wire.decodeStream(), tcpTimeout)
    const from = connection.remote
    if (message._tag !== "PushPull" && message._tag !== "Ping") {
      return yield* submit((d) => d.handle({ _tag: "Received", from, messages: [message], via: "stream" }))
    }
    const answered = yield* Deferred.make<StreamAnswer | undefined>()
    const respond = (answer: StreamAnswer | undefined) => Deferred.unsafeDone(answered, Exit.succeed(answer))
    yield* submit(
      message._tag === "PushPull"
        ? (d) => d.request({ _tag: "PushPullRequest", from, join: message.join, states: message.states }, respond)
        : (d) => d.request({ _tag: "Received", from, messages: [message] }, respond)
    )
    const answer = yield* Deferred.await(answered)
    if (answer?._tag === "PushPull") {
      yield* writeFrame(connection, { _tag: "PushPull", join: false, states: answer.states, userState: new Uint8Array(0) }, wire.stream())
    } else if (answer?._tag === "Messages" && answer.messages[0] !== undefined) {
      yield* writeFrame(connection, answer.messages[0], wire.stream())
    } else {
      yield* Metric.increment(metrics.streamsUnanswered)
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
