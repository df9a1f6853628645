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
import { DecodeError as DecodeErrorClass, type DecodeError } from "../wire/errors.js"
import * as ChunkSource from "../transport/chunkSource.js"
import { Inbox } from "../transport/inbox.js"
import * as LiveClock from "../transport/liveClock.js"
import { FrameExtent } from "../wire/frameExtent.js"
import type { DecodeStreamOptions, EncodeStreamOptions, StreamMessage } from "../wire/stream.js"
import { decodeStream, encodeStream, frameLimits } from "../wire/stream.js"

const EMPTY = new Uint8Array(0)

/**
 * Bytes that arrive in chunks. The first chunk is held as it came (a frame
 * usually arrives whole: a join's request in one chunk, its answer in one or
 * two), and only a second one starts a buffer of our own, which doubles as it
 * fills, so appending is linear.
 */
class Accumulator {
  private buffer: Uint8Array = EMPTY
  /** Whether `buffer` is ours to write into (false while it is the first chunk itself). */
  private owned = false
  length = 0

  append(chunk: Uint8Array): void {
    if (this.length === 0) {
      this.buffer = chunk
      this.length = chunk.length
      return
    }
    if (!this.owned || this.length + chunk.length > this.buffer.length) {
      let capacity = Math.max(4096, this.buffer.length)
      while (capacity < this.length + chunk.length) capacity *= 2
      const grown = new Uint8Array(capacity)
      grown.set(this.buffer.subarray(0, this.length))
      this.buffer = grown
      this.owned = true
    }
    this.buffer.set(chunk, this.length)
    this.length += chunk.length
  }

  get bytes(): Uint8Array {
    return this.buffer
  }
}

/**
 * The checks of one frame as its chunks arrive: each byte is looked at a
 * bounded number of times, however the frame is chunked, and a frame that can
 * never be valid is refused as soon as the bytes that show it arrive.
 */
class FrameReader {
  private readonly received = new Accumulator()
  private readonly extent: FrameExtent
  private checkedStart = false

  constructor(private readonly options: DecodeStreamOptions) {
    this.extent = new FrameExtent(frameLimits(options))
  }

  /** Takes the next chunk: the message once the frame is whole, undefined while more is needed, or why not. */
  push(chunk: Uint8Array): StreamMessage | DecodeError | undefined {
    const { received, options } = this
    received.append(chunk)
    const end = this.extent.advance(received.bytes, received.length)
    // The first bytes say whether the label, the encryption and the type can be right: refuse at once,
    // unless the whole frame is already here and its decoding below says so. (Decoding a prefix of a
    // compressed frame fails on the cut, and a failure costs a stack trace.)
    if (!this.checkedStart) {
      this.checkedStart = true
      if (Either.isLeft(end) || end.right === undefined) {
        const early = decodeStream(received.bytes.subarray(0, Math.min(received.length, 64)), options)
        if (Either.isLeft(early)) return early.left
      }
    }
    if (Either.isLeft(end)) return end.left
    if (end.right === undefined) return undefined
    const decoded = decodeStream(received.bytes.subarray(0, end.right), options)
    if (Either.isLeft(decoded)) return decoded.left
    if (decoded.right._tag === "Complete") return decoded.right.message
    return new DecodeErrorClass({ reason: "Malformed", message: "a whole stream frame did not decode" })
  }
}

const endedEarly = () => new TransportError({ reason: "StreamFailed", message: "stream closed before a whole message" })
const timedOut = (timeoutMillis: number) =>
  new TransportError({ reason: "Timeout", message: `no whole message within ${timeoutMillis} ms` })
const settled = (outcome: StreamMessage | DecodeError): Effect.Effect<StreamMessage, DecodeError> =>
  outcome instanceof DecodeErrorClass ? Effect.fail(outcome) : Effect.succeed(outcome)

/** Through the public `read`, one Effect per chunk, the whole bounded by an Effect timeout (two fibers). */
const readFrameByEffect = (
  connection: Connection,
  options: DecodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<StreamMessage, TransportError | DecodeError> =>
  Effect.gen(function*() {
    const reader = new FrameReader(options)
    for (;;) {
      const chunk = yield* connection.read
      if (chunk === undefined) return yield* endedEarly()
      const outcome = reader.push(chunk)
      if (outcome !== undefined) return yield* settled(outcome)
    }
  }).pipe(Effect.timeoutFail({ duration: Duration.millis(timeoutMillis), onTimeout: () => timedOut(timeoutMillis) }))

/**
 * Reads one frame from a connection's side door, in its callbacks, the whole bounded by a Node timer
 * (so only on Effect's own clock, whose time the timer keeps): `done` is called once, with the message
 * or why there is none, unless the function returned is called first, which stops the read.
 */
export const readFrameNow = (
  source: ChunkSource.ChunkSource,
  options: DecodeStreamOptions,
  timeoutMillis: number,
  done: (outcome: StreamMessage | TransportError | DecodeError) => void
): () => void => {
  const reader = new FrameReader(options)
  let finished = false
  let cancelWait = (): void => {}
  const stop = () => {
    finished = true
    clearTimeout(deadline)
    cancelWait()
  }
  const settle = (outcome: StreamMessage | TransportError | DecodeError) => {
    if (finished) return
    stop()
    done(outcome)
  }
  const deadline = setTimeout(() => settle(timedOut(timeoutMillis)), timeoutMillis)
  const pump = (): void => {
    while (!finished) {
      const polled = source.poll()
      if (polled === Inbox.empty) {
        cancelWait = source.wait(pump)
        return
      }
      if (polled === undefined) return settle(endedEarly())
      if (!(polled instanceof Uint8Array)) return settle(polled)
      const outcome = reader.push(polled)
      if (outcome !== undefined) return settle(outcome)
    }
  }
  pump()
  return stop
}

/** `readFrameNow` as an Effect: one `Effect.async`, no fiber. */
const readFrameFromSource = (
  source: ChunkSource.ChunkSource,
  options: DecodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<StreamMessage, TransportError | DecodeError> =>
  Effect.async<StreamMessage, TransportError | DecodeError>((resume) => {
    const stop = readFrameNow(source, options, timeoutMillis, (outcome) =>
      resume(
        outcome instanceof TransportError || outcome instanceof DecodeErrorClass
          ? Effect.fail(outcome)
          : Effect.succeed(outcome)
      ))
    return Effect.sync(stop)
  })

/**
 * Reads chunks until one whole frame has arrived, then decodes it once;
 * fails on EOF, a frame that can never be valid (found as soon as the bytes
 * that show it arrive), or the timeout for the whole frame.
 */
export const readFrame = (
  connection: Connection,
  options: DecodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<StreamMessage, TransportError | DecodeError> =>
  Effect.clockWith((clock) => {
    const source = ChunkSource.of(connection)
    return source !== undefined && LiveClock.isLive(clock)
      ? readFrameFromSource(source, options, timeoutMillis)
      : readFrameByEffect(connection, options, timeoutMillis)
  })

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

/** A push/pull as the initiator: our states and application state out, theirs back. */
export const pushPullClient = (
  transport: TransportShape,
  to: Address,
  join: boolean,
  states: ReadonlyArray<PushNodeState>,
  userState: Uint8Array,
  encode: EncodeStreamOptions,
  decode: DecodeStreamOptions,
  timeoutMillis: number
): Effect.Effect<
  { readonly states: ReadonlyArray<PushNodeState>; readonly userState: Uint8Array },
  TransportError | DecodeError
> =>
  Effect.flatMap(
    exchange(transport, to, { _tag: "PushPull", join, states, userState }, encode, decode, timeoutMillis),
    (reply) =>
      reply._tag === "PushPull"
        ? Effect.succeed({ states: reply.states, userState: reply.userState })
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
