/**
 * TCP stream frames, as memberlist writes and reads them (net.go
 * `sendLocalState`, `sendUserMsg`, `rawSendMsgStream`, `readStream`,
 * `readRemoteState`, `readUserMsg`; upstream for the label).
 *
 * A frame is, innermost first:
 * - push/pull: type 6, msgpack `pushPullHeader{Join, Nodes, UserStateLen}`,
 *   `Nodes` msgpack `pushNodeState` maps, then `UserStateLen` raw bytes;
 * - reliable user message: type 8, msgpack `userMsgHeader{UserMsgLen}`, the bytes;
 * - stream ping / ack / err: an ordinary encoded message (the packet codecs'
 *   entries, reused in this module's table of frames);
 * - optionally compressed: type 9 + msgpack `compress` around the whole of it
 *   (memberlist compresses every stream frame when compression is on);
 * - optionally encrypted: type 10, a 4-byte big-endian sealed length, then
 *   the sealed payload, with those 5 bytes and the label as additional data;
 * - optionally behind a label header (244, length, label).
 *
 * Only an encrypted frame says how long it is; otherwise the msgpack values
 * themselves end it. So `decodeStream` works on whatever has arrived and
 * answers "NeedMore" until the frame is complete: the shell appends chunks
 * and calls it again. Bounds follow memberlist: sealed frames and user state
 * at most `maxPushStateBytes` (20 MiB), a configurable member count.
 *
 * @internal
 */
import { Either } from "effect"
import type { Ack, ErrorResponse, PacketMessage, Ping, PushNodeState, PushPull, User } from "../swim/messages.js"
import { NodeState } from "../swim/messages.js"
import type { CodecTable, MessageCodec } from "./codec.js"
import { byTypeByte, codecOf, encodeWith, readByType } from "./codec.js"
import { compressMessage, decompressStruct, MAX_STREAM_DECOMPRESSED, readCompressStruct } from "./compress.js"
import type { EncryptionVersion } from "./encryption.js"
import { decryptStreamFrame, encryptStreamFrame, STREAM_FRAME_HEADER, streamFrameLength } from "./encryption.js"
import type { DecodeError } from "./errors.js"
import { decodeError } from "./errors.js"
import { Scratch } from "./lzw.js"
import { emptyMemberFields, keySize as k, memberFieldsSize, readMemberField, writeMemberFields } from "./fields.js"
import type { FrameLimits } from "./frameExtent.js"
import { addLabelHeader, labelHeaderSize, removeLabelHeader } from "./label.js"
import { MessageType } from "./messageType.js"
import { packetCodecs } from "./messages.js"
import { MsgpackReader, MsgpackWriter, ownBytes, uintSize } from "./msgpack.js"
import * as Canonical from "./canonical.js"
import { fieldKeys } from "./fieldKeys.js"

/** memberlist's maxPushStateBytes: the largest sealed frame and the largest user state. */
export const MAX_PUSH_STATE_BYTES = 20 * 1024 * 1024
/** upstream memberlist's maxUserMsgBytes. */
const MAX_USER_MSG_BYTES = 20 * 1024 * 1024
/** upstream memberlist's maxPushStateNodes (the default for `maxNodes`). */
const MAX_PUSH_STATE_NODES = 1024 * 1024

/** What a stream frame carries. */
export type StreamMessage = PushPull | PacketMessage

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

// ---------------------------------------------------------------------------
// The stream-only messages
// ---------------------------------------------------------------------------

/** Reads `n` raw bytes (user state, a user message) that follow a msgpack header. */
const readRaw = (r: MsgpackReader, n: number): Uint8Array | undefined => {
  if (r.failed) return undefined
  if (r.remaining < n) {
    r.fail("Truncated", `need ${n} raw bytes, have ${r.remaining}`)
    return undefined
  }
  // Most push/pulls carry no user state: one shared empty array, not a copy of nothing.
  const out = n === 0 ? EMPTY : r.bytes.slice(r.pos, r.pos + n)
  r.pos += n
  return out
}

const isNodeState = (state: number): state is NodeState =>
  state === NodeState.Alive || state === NodeState.Suspect || state === NodeState.Dead || state === NodeState.Left

const stateSize = (s: PushNodeState): number => 1 + memberFieldsSize("Name", s.name, s) + k("State") + uintSize(s.state)

/** One `pushNodeState` map: alive's member fields under Name, plus State. */
const readState = (r: MsgpackReader): PushNodeState | undefined => {
  const n = r.readMapLength()
  const f = emptyMemberFields()
  let state: number | undefined
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readKey(fieldKeys)
    if (key === "State") state = r.readInt()
    else if (!readMemberField(r, key, "Name", f)) r.skip()
  }
  if (r.failed) return undefined
  const { host, incarnation, name } = f
  if (name === undefined || host === undefined || incarnation === undefined || state === undefined) {
    r.fail("Malformed", "pushNodeState without Name, Addr, Incarnation or State")
    return undefined
  }
  if (!isNodeState(state)) {
    r.fail("Malformed", `unknown node state ${state}`)
    return undefined
  }
  return { name, address: Canonical.address(host, f.port), meta: ownBytes(f.meta), incarnation, state, versions: f.versions }
}

/**
 * A push/pull, as `sendLocalState` writes it: msgpack
 * `pushPullHeader{Join, Nodes, UserStateLen}`, `Nodes` pushNodeState maps,
 * then the user state raw.
 */
const pushPull: MessageCodec<PushPull> = {
  type: MessageType.PushPull,
  size: (pp) => {
    let size = 1 + 1 + k("Join") + 1 + k("Nodes") + uintSize(pp.states.length) + k("UserStateLen") +
      uintSize(pp.userState.length)
    for (const s of pp.states) size += stateSize(s)
    return size + pp.userState.length
  },
  write: (w, pp) => {
    w.byte(MessageType.PushPull).map(3)
    w.string("Join").bool(pp.join)
    w.string("Nodes").int(pp.states.length)
    w.string("UserStateLen").int(pp.userState.length)
    for (const s of pp.states) {
      w.map(7)
      writeMemberFields(w, "Name", s.name, s, s.state)
    }
    w.raw(pp.userState)
  },
  read: (r, { maxNodes }) => {
    const n = r.readMapLength()
    let nodes: number | undefined
    let userStateLen = 0
    let join = false
    for (let i = 0; i < n && !r.failed; i++) {
      const key = r.readKey(fieldKeys)
      if (key === "Nodes") nodes = r.readInt()
      else if (key === "UserStateLen") userStateLen = r.readInt()
      else if (key === "Join") join = r.readBool()
      else r.skip()
    }
    if (r.failed) return undefined
    if (nodes === undefined) {
      r.fail("Malformed", "pushPullHeader without Nodes")
      return undefined
    }
    if (nodes < 0 || nodes > maxNodes) {
      r.fail("Oversized", `push/pull of ${nodes} members (limit ${maxNodes})`)
      return undefined
    }
    if (userStateLen < 0 || userStateLen > MAX_PUSH_STATE_BYTES) {
      r.fail("Oversized", `user state of ${userStateLen} bytes`)
      return undefined
    }
    // No array of `nodes` entries is preallocated: states are pushed as they
    // decode, so memory follows the bytes actually received.
    const states: Array<PushNodeState> = []
    for (let i = 0; i < nodes; i++) {
      const s = readState(r)
      if (s === undefined) return undefined
      states.push(s)
    }
    const userState = readRaw(r, userStateLen)
    if (userState === undefined) return undefined
    return { _tag: "PushPull", join, states, userState }
  }
}

/**
 * A reliable user message, as `sendUserMsg` writes it: the user type byte,
 * msgpack `userMsgHeader{UserMsgLen}`, then the bytes (in a packet the
 * payload just follows the type byte).
 */
const userMessage: MessageCodec<User> = {
  type: MessageType.User,
  size: (m) => 1 + 1 + k("UserMsgLen") + uintSize(m.payload.length) + m.payload.length,
  write: (w, m) => {
    w.byte(MessageType.User).map(1)
    w.string("UserMsgLen").int(m.payload.length)
    w.raw(m.payload)
  },
  read: (r) => {
    const n = r.readMapLength()
    let len: number | undefined
    for (let i = 0; i < n && !r.failed; i++) {
      const key = r.readKey(fieldKeys)
      if (key === "UserMsgLen") len = r.readInt()
      else r.skip()
    }
    if (r.failed) return undefined
    if (len === undefined) {
      r.fail("Malformed", "userMsgHeader without UserMsgLen")
      return undefined
    }
    if (len < 0 || len > MAX_USER_MSG_BYTES) {
      r.fail("Oversized", `user message of ${len} bytes`)
      return undefined
    }
    const payload = readRaw(r, len)
    return payload === undefined ? undefined : { _tag: "User", payload }
  }
}

/** What memberlist reads from a stream (`handleConn`, `readRemoteState`, a stream ping's reply). */
export type StreamFrame = PushPull | User | Ping | Ack | ErrorResponse

/**
 * The frames a stream accepts, by tag: type byte, size, writer and reader.
 * Ping, ack and err are the packet codecs' entries; a user message has its
 * own, because on a stream it carries a length header.
 */
export const streamCodecs: CodecTable<StreamFrame> = {
  PushPull: pushPull,
  User: userMessage,
  Ping: packetCodecs.Ping,
  Ack: packetCodecs.Ack,
  ErrorResponse: packetCodecs.ErrorResponse
}

/**
 * Encoders for every `StreamMessage`: the frames, and any other packet
 * message in its packet encoding (memberlist would refuse it on a stream,
 * but the type admits it, so it is written rather than lost).
 */
const streamEncoders: CodecTable<StreamMessage> = { ...packetCodecs, ...streamCodecs }

const frameByType = byTypeByte(streamCodecs)

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/** How to wrap an outgoing stream frame. */
export interface EncodeStreamOptions {
  /** Compress the frame (memberlist's EnableCompression; streams always compress when on). */
  readonly compress?: boolean
  /** Encrypt with this key (the keyring's primary) and version (0 for protocol 1, else 1). */
  readonly encryption?: { readonly key: Uint8Array; readonly version: EncryptionVersion }
  /** The stream label: a header before the frame and part of the encryption's additional data. */
  readonly label?: string
  /** Fixed nonce, for deterministic tests only. */
  readonly nonce?: Uint8Array
}

/** Wraps an encoded frame body as `rawSendMsgStream` does, then adds the label header. */
const wrapStream = (body: Uint8Array, options: EncodeStreamOptions = {}): Uint8Array => {
  let out = body
  if (options.compress === true) out = compressMessage(out)
  const label = options.label ?? ""
  if (options.encryption !== undefined) {
    out = encryptStreamFrame(
      options.encryption.version,
      options.encryption.key,
      out,
      label === "" ? EMPTY : encoder.encode(label),
      options.nonce
    )
  }
  return label === "" ? out : addLabelHeader(label, out)
}

/**
 * Where a frame to be compressed is written first: only its compressed form
 * leaves this module, so the plain bytes need neither a buffer of their own
 * nor the exact size counted beforehand. Kept while it stays under 256 KiB (a
 * view of some 3,500 members); after a larger frame a small one replaces it.
 * Encoding is synchronous, so no two frames share it at once.
 */
let plainWriter = new MsgpackWriter(8192)
const KEEP_PLAIN_WRITER_UP_TO = 1 << 18

/** `m` written into `plainWriter`: a view that the next call overwrites. */
const encodePlain = <M>(codec: MessageCodec<M>, m: M): Uint8Array => {
  const w = plainWriter
  w.length = 0 // start over: the buffer is reused, its old bytes are overwritten
  codec.write(w, m)
  if (w.length > KEEP_PLAIN_WRITER_UP_TO) plainWriter = new MsgpackWriter(8192)
  return w.finish()
}

/** Encodes a stream message (push/pull, reliable user message, ping, ack or err) and wraps it. */
export const encodeStream = (m: StreamMessage, options: EncodeStreamOptions = {}): Uint8Array => {
  const codec = codecOf(streamEncoders, m)
  // Compressed, the plain bytes are read once by the compressor and dropped.
  return wrapStream(options.compress === true ? encodePlain(codec, m) : encodeWith(codec, m), options)
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/** How to read an incoming stream. */
export interface DecodeStreamOptions {
  /** The label we expect ("" or absent: none allowed). */
  readonly label?: string
  /** Keys to decrypt with (a `Keyring` fits); encryption is on when there is at least one. */
  readonly keyring?: { readonly keys: ReadonlyArray<Uint8Array> }
  /** With encryption on, refuse plaintext frames (memberlist's GossipVerifyIncoming, default true). */
  readonly requireEncryption?: boolean
  /** Most members a push/pull may carry (default upstream's 1,048,576). */
  readonly maxNodes?: number
  /** Most bytes a plaintext frame may take before it is complete (default 2 x 20 MiB). */
  readonly maxFrameBytes?: number
}

/** The outcome of reading a stream prefix. */
export type StreamDecodeResult =
  | { readonly _tag: "NeedMore" }
  | { readonly _tag: "Complete"; readonly message: StreamMessage; readonly consumed: number }

const NEED_MORE: StreamDecodeResult = { _tag: "NeedMore" }

/**
 * Where a compressed frame is decompressed: a frame's decoding copies out
 * everything it keeps (`copy: true`), so its plaintext is dead once decoded
 * and the next frame can reuse the buffer. Kept up to 256 KiB (a view of some
 * 3,500 members); a larger frame gets a buffer of its own. Decoding is
 * synchronous, so no two frames share it at once.
 */
const decompressed = new Scratch(1 << 18)

/** The limits a frame read with `options` is held to while it arrives (see `FrameExtent`). */
export const frameLimits = (options: DecodeStreamOptions = {}): FrameLimits => ({
  maxFrameBytes: options.maxFrameBytes ?? 2 * MAX_PUSH_STATE_BYTES,
  maxNodes: options.maxNodes ?? MAX_PUSH_STATE_NODES,
  maxDeclaredBytes: MAX_PUSH_STATE_BYTES
})

/** Reads a frame body of type `type` (after the type byte) from `r`. */
const readFrame = (type: number, r: MsgpackReader, maxNodes: number): StreamMessage | undefined =>
  readByType(frameByType, "stream", type, r, { copy: true, maxNodes })

/**
 * Decodes a complete plaintext (decrypted or decompressed) frame: the type
 * byte and body must fill `buf` exactly; a compress wrapper may appear once
 * at the top, as in `readStream`.
 */
const decodeComplete = (buf: Uint8Array, maxNodes: number, allowCompress: boolean): Either.Either<StreamMessage, DecodeError> => {
  if (buf.length === 0) return Either.left(decodeError("Truncated", "empty stream frame"))
  const type = buf[0]!
  const r = new MsgpackReader(buf, 1)
  if (type === MessageType.Compress && allowCompress) {
    const c = readCompressStruct(r)
    if (r.error !== undefined || c === undefined) return Either.left(r.error ?? decodeError("Malformed", "bad compress"))
    if (r.remaining > 0) return Either.left(decodeError("TrailingBytes", "bytes after the compress message"))
    return Either.flatMap(decompressStruct(c, MAX_STREAM_DECOMPRESSED, decompressed), (inner) => decodeComplete(inner, maxNodes, false))
  }
  const m = readFrame(type, r, maxNodes)
  if (r.error !== undefined || m === undefined) return Either.left(r.error ?? decodeError("Malformed", "bad stream frame"))
  if (r.remaining > 0) return Either.left(decodeError("TrailingBytes", `${r.remaining} bytes after the stream message`))
  return Either.right(m)
}

/**
 * Reads one stream frame from the bytes received so far. Returns "NeedMore"
 * while the frame is incomplete (append more bytes and call again), or the
 * message and how many bytes it used. Never throws.
 */
export const decodeStream = (
  bytes: Uint8Array,
  options: DecodeStreamOptions = {}
): Either.Either<StreamDecodeResult, DecodeError> => {
  const maxNodes = options.maxNodes ?? MAX_PUSH_STATE_NODES
  const maxFrame = options.maxFrameBytes ?? 2 * MAX_PUSH_STATE_BYTES
  if (bytes.length === 0) return Either.right(NEED_MORE)
  // Label header.
  const size = labelHeaderSize(bytes)
  if (Either.isLeft(size)) return size.left.reason === "Truncated" ? Either.right(NEED_MORE) : Either.left(size.left)
  if (bytes.length < size.right) return Either.right(NEED_MORE)
  const labelled = removeLabelHeader(bytes.subarray(0, Math.max(size.right, 0)))
  if (Either.isLeft(labelled)) return Either.left(labelled.left)
  const label = labelled.right.label
  if (label !== (options.label ?? "")) return Either.left(decodeError("BadLabel", "stream label does not match"))
  const start = size.right
  if (bytes.length <= start) return Either.right(NEED_MORE)

  const keys = options.keyring?.keys ?? []
  const type = bytes[start]!
  if (type === MessageType.Encrypt) {
    if (keys.length === 0) return Either.left(decodeError("DecryptFailed", "stream is encrypted and no keys are configured"))
    if (bytes.length - start < STREAM_FRAME_HEADER) return Either.right(NEED_MORE)
    const len = streamFrameLength(bytes.subarray(start, start + STREAM_FRAME_HEADER), MAX_PUSH_STATE_BYTES)
    if (Either.isLeft(len)) return Either.left(len.left)
    const end = start + STREAM_FRAME_HEADER + len.right
    if (bytes.length < end) return Either.right(NEED_MORE)
    const plain = decryptStreamFrame(keys, bytes.subarray(start, end), label === "" ? EMPTY : encoder.encode(label))
    if (Either.isLeft(plain)) return Either.left(plain.left)
    return Either.map(decodeComplete(plain.right, maxNodes, true), (message) => ({ _tag: "Complete", message, consumed: end }))
  }
  if (keys.length > 0 && options.requireEncryption !== false) {
    return Either.left(decodeError("Unencrypted", "encryption is configured but the stream is not encrypted"))
  }

  // Plaintext: parse from the bytes we have; running off the end means "wait".
  const r = new MsgpackReader(bytes, start + 1)
  let message: StreamMessage | undefined
  if (type === MessageType.Compress) {
    const c = readCompressStruct(r)
    if (r.error === undefined && c !== undefined) {
      const inner = Either.flatMap(decompressStruct(c, MAX_STREAM_DECOMPRESSED, decompressed), (buf) => decodeComplete(buf, maxNodes, false))
      if (Either.isLeft(inner)) return Either.left(inner.left)
      message = inner.right
    }
  } else {
    message = readFrame(type, r, maxNodes)
  }
  if (r.error !== undefined) {
    if (r.error.reason !== "Truncated") return Either.left(r.error)
    return bytes.length >= maxFrame
      ? Either.left(decodeError("Oversized", `stream frame larger than ${maxFrame} bytes`))
      : Either.right(NEED_MORE)
  }
  if (message === undefined) return Either.left(decodeError("Malformed", "bad stream frame"))
  return Either.right({ _tag: "Complete", message, consumed: r.pos })
}
