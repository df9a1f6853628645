/**
 * The UDP packet pipeline, in memberlist's order.
 *
 * Sending (net.go `sendMsg` / `rawSendMsgPacket`, upstream for the label):
 *   messages -> one message or a compound -> compress, kept only when smaller
 *   -> CRC frame (type 12 + CRC32-IEEE, when the peer's PMax >= 5)
 *   -> encryption (no type byte: version, nonce, ciphertext, tag; the label is
 *      the additional data) -> label header (244, length, label).
 *
 * Receiving (`ingestPacket` / `handleCommand`): the reverse. Compound and
 * compress wrappers nest the way `handleCommand` recurses, bounded by
 * `maxDepth`, and all decompression in one packet shares one output budget so
 * a small packet cannot expand into gigabytes.
 *
 * Strictness: memberlist handles the good parts of a compound and logs the
 * bad ones; we drop the whole packet on any malformed part (one reason, one
 * count, nothing reaches the core). Parts cut off by the end of a compound are
 * the exception memberlist documents: the complete parts are returned and the
 * cut ones counted in `truncated`, which the shell must count as a
 * "BadCompound" rejection.
 *
 * @internal
 */
import { Either } from "effect"
import type { PacketMessage } from "../swim/messages.js"
import { compoundHeaderOverhead, compoundPartOverhead } from "../swim/config.js"
import { codecOf } from "./codec.js"
import { decodeCompoundBody, MAX_COMPOUND_PART_SIZE, MAX_COMPOUND_PARTS } from "./compound.js"
import { compressIfSmaller, decodeCompressBody, MAX_PACKET_DECOMPRESSED } from "./compress.js"
import { Scratch } from "./lzw.js"
import { addCrc, checkCrc, CRC_OVERHEAD } from "./crc32.js"
import type { EncryptionVersion } from "./encryption.js"
import { decryptPayload, encryptedLength, encryptOverhead, encryptPayload } from "./encryption.js"
import { DecodeError, decodeError } from "./errors.js"
import { addLabelHeader, labelOverhead, removeLabelHeader } from "./label.js"
import { MessageType } from "./messageType.js"
import { encodeMessage, packetCodecs, readMessage } from "./messages.js"
import { MsgpackWriter } from "./msgpack.js"

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

/** How to wrap an outgoing packet. */
export interface EncodePacketOptions {
  /** Try LZW compression and keep it only if the packet gets smaller (memberlist's EnableCompression). */
  readonly compress?: boolean
  /** Add the CRC frame: memberlist does when the peer's protocol max (PMax) is >= 5. */
  readonly crc?: boolean
  /** Encrypt with this key (the keyring's primary) and version (0 for protocol 1, else 1). */
  readonly encryption?: { readonly key: Uint8Array; readonly version: EncryptionVersion }
  /** Cluster label (upstream memberlist): a header, and the encryption's additional data. */
  readonly label?: string
  /** Fixed 12-byte nonce, for deterministic tests only. */
  readonly nonce?: Uint8Array
}

/**
 * Applies compression, CRC, encryption and label to an already encoded
 * payload (a message or a compound).
 */
export const wrapPacket = (payload: Uint8Array, options: EncodePacketOptions = {}): Uint8Array => {
  let out = payload
  if (options.compress === true) out = compressIfSmaller(out)
  if (options.crc === true) out = addCrc(out)
  const label = options.label ?? ""
  if (options.encryption !== undefined) {
    const aad = label === "" ? EMPTY : encoder.encode(label)
    out = encryptPayload(options.encryption.version, options.encryption.key, out, aad, options.nonce)
  }
  if (label !== "") out = addLabelHeader(label, out)
  return out
}

/**
 * Encodes messages into one packet: a single message alone, several in a
 * compound (at most 255; more is a caller bug and throws), then `wrapPacket`.
 */
export const encodePacket = (
  messages: ReadonlyArray<PacketMessage>,
  options: EncodePacketOptions = {}
): Uint8Array => {
  if (messages.length === 0) throw new RangeError("a packet needs at least one message")
  if (messages.length > MAX_COMPOUND_PARTS) throw new RangeError(`${messages.length} messages exceed a compound`)
  const payload = messages.length === 1 ? encodeMessage(messages[0]!) : encodeCompound(messages)
  return wrapPacket(payload, options)
}

// Part sizes of the compound being encoded; encoding is synchronous, so one table serves every call.
const partSizes = new Uint32Array(MAX_COMPOUND_PARTS)

/**
 * The compound `makeCompound` would build from the messages' encodings, written in one buffer: no
 * buffer per part, no copy. A codec whose size disagrees with what it writes is a bug, and throws.
 */
const encodeCompound = (messages: ReadonlyArray<PacketMessage>): Uint8Array => {
  let total = compoundHeaderOverhead
  for (let i = 0; i < messages.length; i++) {
    const size = codecOf(packetCodecs, messages[i]!).size(messages[i]!)
    if (size > MAX_COMPOUND_PART_SIZE) throw new RangeError(`compound part of ${size} bytes`)
    partSizes[i] = size
    total += compoundPartOverhead + size
  }
  const w = new MsgpackWriter(total)
  w.byte(MessageType.Compound).byte(messages.length)
  for (let i = 0; i < messages.length; i++) w.u16(partSizes[i]!)
  for (let i = 0; i < messages.length; i++) {
    const start = w.length
    codecOf(packetCodecs, messages[i]!).write(w, messages[i]!)
    if (w.length - start !== partSizes[i]) throw new Error(`${messages[i]!._tag}: encoded size differs from its size`)
  }
  return w.finish()
}

/**
 * The most bytes the CRC, encryption and label layers add to a payload of
 * `payloadLength` bytes (exact for encryption version 1; version 0 pads to
 * the block size). Compression is ignored: it is only used when it shrinks.
 */
export const packetOverhead = (options: EncodePacketOptions, payloadLength = 0): number => {
  const crc = options.crc === true ? CRC_OVERHEAD : 0
  const enc =
    options.encryption === undefined
      ? 0
      : payloadLength > 0
        ? encryptedLength(options.encryption.version, payloadLength + crc) - payloadLength - crc
        : encryptOverhead(options.encryption.version)
  return crc + enc + labelOverhead(options.label ?? "")
}

/** How to read an incoming packet. */
export interface DecodePacketOptions {
  /** The cluster label we expect ("" or absent: no label header allowed). */
  readonly label?: string
  /** Keys to decrypt with (a `Keyring` fits); encryption is on when there is at least one. */
  readonly keyring?: { readonly keys: ReadonlyArray<Uint8Array> }
  /**
   * With encryption on, reject packets that do not decrypt (memberlist's
   * GossipVerifyIncoming, default true). When false, such a packet is read as
   * plaintext, as memberlist does during a rolling enable of encryption.
   */
  readonly requireEncryption?: boolean
  /** How deeply compound and compress wrappers may nest (default 4). */
  readonly maxDepth?: number
  /** Total bytes all decompression in one packet may produce (default 65535). */
  readonly maxDecompressed?: number
  /** Copy byte fields out of the packet (default true; see DecodeMessageOptions). */
  readonly copy?: boolean
}

/** A decoded packet: its messages in order, and compound parts lost to truncation. */
export interface DecodedPacket {
  readonly messages: ReadonlyArray<PacketMessage>
  /** Compound parts declared but cut off; non-zero means a counted "BadCompound". */
  readonly truncated: number
}

interface Ctx {
  maxDepth: number
  budget: number
  truncated: number
  copy: boolean
  out: Array<PacketMessage>
}

const noMessages: Array<PacketMessage> = []
const noKeys: ReadonlyArray<Uint8Array> = []
/**
 * The packet being decoded. Decoding is synchronous and never re-entered, so one context serves every
 * packet; `decodePacket` sets all of it first, and lets go of the packet's messages when done.
 */
const ctx: Ctx = { maxDepth: 4, budget: 0, truncated: 0, copy: true, out: noMessages }

/** Decompression buffers reused across packets, by nesting depth; each is at most a packet's 64 KiB. */
const scratches: Array<Scratch> = []
const decompressScratch = (depth: number): Scratch => (scratches[depth] ??= new Scratch(MAX_PACKET_DECOMPRESSED + 1))

/** handleCommand: one message, or a wrapper to unwrap. Returns an error or undefined. */
const handle = (buf: Uint8Array, depth: number, ctx: Ctx): DecodeError | undefined => {
  if (buf.length === 0) return decodeError("Truncated", "missing message type byte")
  const type = buf[0]!
  if (type === MessageType.Compound || type === MessageType.Compress) {
    if (depth >= ctx.maxDepth) return decodeError("Malformed", `wrappers nested deeper than ${ctx.maxDepth}`)
    if (type === MessageType.Compound) {
      const c = decodeCompoundBody(buf.subarray(1))
      if (Either.isLeft(c)) return c.left
      ctx.truncated += c.right.truncated
      for (const part of c.right.parts) {
        const e = handle(part, depth + 1, ctx)
        if (e !== undefined) return e
      }
      return undefined
    }
    // Copied messages keep nothing of the decompressed bytes, which can then go to a buffer reused by the
    // next packet: one per depth, as a compress inside a compound inside a compress is read while the
    // outer one's bytes still are.
    const d = decodeCompressBody(buf.subarray(1), ctx.budget, ctx.copy ? decompressScratch(depth) : undefined)
    if (Either.isLeft(d)) return d.left
    ctx.budget -= d.right.length
    return handle(d.right, depth + 1, ctx)
  }
  const m = readMessage(buf, ctx.copy)
  if (m instanceof DecodeError) return m
  ctx.out.push(m)
  return undefined
}

/**
 * Decodes one UDP packet into messages. Never throws; any failure is a
 * `DecodeError` with a reason for the shell to count.
 */
export const decodePacket = (
  packet: Uint8Array,
  options: DecodePacketOptions = {}
): Either.Either<DecodedPacket, DecodeError> => {
  let buf = packet
  let label = ""
  // Most clusters use no label: a packet without the header is read as it is, with no wrapper made for it.
  if (packet.length > 0 && packet[0] === MessageType.HasLabel) {
    const labelled = removeLabelHeader(packet)
    if (Either.isLeft(labelled)) return Either.left(labelled.left)
    label = labelled.right.label
    buf = labelled.right.rest
  }
  const expected = options.label ?? ""
  if (label !== expected) {
    return Either.left(
      decodeError("BadLabel", label === "" ? "packet has no label" : expected === "" ? "unexpected label" : "wrong label")
    )
  }
  const keys = options.keyring?.keys ?? noKeys
  if (keys.length > 0) {
    const plain = decryptPayload(keys, buf, label === "" ? EMPTY : encoder.encode(label))
    if (Either.isRight(plain)) buf = plain.right
    else if (options.requireEncryption !== false) return Either.left(plain.left)
  }
  if (buf.length >= CRC_OVERHEAD && buf[0] === MessageType.HasCrc) {
    const c = checkCrc(buf)
    if (Either.isLeft(c)) return Either.left(c.left)
    buf = c.right
  }
  const type = buf[0]
  if (buf.length > 0 && type !== MessageType.Compound && type !== MessageType.Compress) {
    // One bare message (an ack, a ping, a greeting): an array of exactly one, rather than one grown by a push.
    const m = readMessage(buf, options.copy ?? true)
    return m instanceof DecodeError ? Either.left(m) : Either.right({ messages: [m], truncated: 0 })
  }
  ctx.maxDepth = options.maxDepth ?? 4
  ctx.budget = options.maxDecompressed ?? MAX_PACKET_DECOMPRESSED
  ctx.truncated = 0
  ctx.copy = options.copy ?? true
  const messages: Array<PacketMessage> = []
  ctx.out = messages
  const e = handle(buf, 0, ctx)
  ctx.out = noMessages
  if (e !== undefined) return Either.left(e)
  return Either.right({ messages, truncated: ctx.truncated })
}
