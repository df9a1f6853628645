/**
 * The TCP side of the protocol: reading one framed message from a
 * connection, and the client halves of push/pull, stream ping and reliable
 * user messages.
 *
 * @internal
 */
import { Duration, Effect, Either } from "effect"
import type { Address, Connection, TransportShape } from "../../Transport.js"
import { TransportError } from "../../Transport.js"
import type { PacketMessage, PushNodeState } from "../swim/messages.js"
import type { DecodeError } from "../wire/errors.js"
import type { DecodeStreamOptions, EncodeStreamOptions, StreamMessage } from "../wire/stream.js"
import { decodeStream, encodeStream } from "../wire/stream.js"

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/** Reads chunks until one whole frame decodes; fails on EOF, a decode error, or the timeout. */
export const readFrame = (
  connection: Connection,
  options: DecodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<StreamMessage, TransportError | DecodeError> =>
  Effect.gen(function*() {
    let buffered: Uint8Array = new Uint8Array(0)
    for (;;) {
      const chunk = yield* connection.read
      if (chunk === undefined) {
        return yield* new TransportError({ reason: "StreamFailed", message: "stream closed before a whole message" })
      }
      buffered = concat(buffered, chunk)
      const decoded = decodeStream(buffered, options)
      if (Either.isLeft(decoded)) return yield* decoded.left
      if (decoded.right._tag === "Complete") return decoded.right.message
    }
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.millis(timeoutMillis),
      onTimeout: () => new TransportError({ reason: "Timeout", message: `no whole message within ${timeoutMillis} ms` })
    })
  )

/** Opens a stream, sends one message, and reads one back. */
const exchange = (
  transport: TransportShape,
  to: Address,
  message: StreamMessage,
  encode: EncodeStreamOptions,
  decode: DecodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<StreamMessage, TransportError | DecodeError> =>
  Effect.scoped(
    Effect.gen(function*() {
      const connection = yield* transport.connect(to, timeoutMillis)
      yield* connection.write(encodeStream(message, encode))
      return yield* readFrame(connection, decode, timeoutMillis)
    })
  )

/** A push/pull as the initiator: our states out, theirs back. */
export const pushPullClient = (
  transport: TransportShape,
  to: Address,
  join: boolean,
  states: ReadonlyArray<PushNodeState>,
  encode: EncodeStreamOptions,
  decode: DecodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<ReadonlyArray<PushNodeState>, TransportError | DecodeError> =>
  Effect.flatMap(
    exchange(transport, to, { _tag: "PushPull", join, states, userState: new Uint8Array(0) }, encode, decode, timeoutMillis),
    (reply) =>
      reply._tag === "PushPull"
        ? Effect.succeed(reply.states)
        : Effect.fail(new TransportError({ reason: "StreamFailed", message: `expected push/pull, got ${reply._tag}` }))
  )

/** A ping over a stream: resolves with the ack, or fails. */
export const streamPingClient = (
  transport: TransportShape,
  to: Address,
  ping: PacketMessage,
  encode: EncodeStreamOptions,
  decode: DecodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<PacketMessage, TransportError | DecodeError> =>
  Effect.flatMap(exchange(transport, to, ping as StreamMessage, encode, decode, timeoutMillis), (reply) =>
    reply._tag === "Ack"
      ? Effect.succeed(reply)
      : Effect.fail(new TransportError({ reason: "StreamFailed", message: `expected ack, got ${reply._tag}` })))

/** A reliable user message: written whole, then the stream closes (nothing is read back, so nothing to decode). */
export const sendUserStream = (
  transport: TransportShape,
  to: Address,
  payload: Uint8Array,
  encode: EncodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<void, TransportError> =>
  Effect.scoped(
    Effect.flatMap(transport.connect(to, timeoutMillis), (connection) =>
      connection.write(encodeStream({ _tag: "User", payload }, encode)))
  )

/** Writes one framed reply on an accepted connection. */
export const writeFrame = (connection: Connection, message: StreamMessage, encode: EncodeStreamOptions) =>
  connection.write(encodeStream(message, encode))
