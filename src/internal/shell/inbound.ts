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
import type { StreamAnswer } from "../driver/driver.js"
import { formatAddress } from "../swim/messages.js"
import { decodePacket } from "../wire/packet.js"
import type { MemberMetrics } from "./memberMetrics.js"
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

/** What became of a packet: a command for the driver, nothing (dropped and counted), or a drop to log. */
export type PacketOutcome = Command | undefined | { readonly log: ReadonlyArray<string> }

/**
 * Decodes one packet into the command that hands its messages to the
 * driver. A packet from a source over its rate is dropped before decoding,
 * an encrypted one whose nonce was seen recently after it; both are counted.
 */
export const admitPacket = (wire: WireOptions, member: MemberMetrics, guards?: PacketGuards) =>
(from: Address, bytes: Uint8Array): PacketOutcome => {
  if (guards !== undefined && !guards.rateLimit.allow(formatAddress(from), guards.now())) {
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
    if (message._tag !== "PushPull" && message._tag !== "Ping") {
      return yield* submit((d) => d.handle({ _tag: "Received", from, messages: [message], via: "stream" }))
    }
    const userState = message._tag === "PushPull" ? yield* localState(message.join) : undefined
    const answered = yield* Deferred.make<StreamAnswer | undefined>()
    const respond = (answer: StreamAnswer | undefined) => Deferred.unsafeDone(answered, Exit.succeed(answer))
    yield* submit(
      message._tag === "PushPull"
        ? (d) =>
          d.request(
            { _tag: "PushPullRequest", from, join: message.join, states: message.states, userState: message.userState },
            respond
          )
        : (d) => d.request({ _tag: "Received", from, messages: [message] }, respond)
    )
    const answer = yield* Deferred.await(answered)
    if (answer?._tag === "PushPull" && message._tag === "PushPull") {
      // memberlist answers with the join flag it was asked with.
      const reply = { _tag: "PushPull", join: message.join, states: answer.states, userState: userState ?? new Uint8Array(0) } as const
      yield* writeFrame(connection, reply, wire.stream())
    } else if (answer?._tag === "Messages" && answer.messages[0] !== undefined) {
      yield* writeFrame(connection, answer.messages[0], wire.stream())
    } else {
      member.count(metrics.streamsUnanswered)
    }
  }).pipe(
    Effect.catchAll((error) =>
      Effect.zipRight(
        error._tag === "DecodeError"
          ? Effect.sync(() => member.countAs(metrics.decodeRejected, "reason", error.reason))
          : Effect.void,
        Effect.logDebug("stream ended badly", formatAddress(connection.remote), error.message)
      )
    ),
    Effect.ensuring(connection.close)
  )
