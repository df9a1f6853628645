/**
 * Encodes and decodes single memberlist messages: a type byte followed by a
 * msgpack struct (or, for user messages, the raw payload).
 *
 * Every packet message has one entry in `packetCodecs` holding its size, its
 * writer and its reader, so the three cannot disagree; `stream.ts` reuses
 * the entries for the messages streams carry too.
 *
 * Field names, their sorted order and their encodings follow memberlist's
 * structs in net.go as go-msgpack writes them (see msgpack.ts). Choices where
 * our model is narrower than Go's structs:
 * - Empty `[]byte` fields (ack payload, meta) are written as nil, as Go writes
 *   a nil slice; an empty str decodes to the same empty value.
 * - A missing or empty `Vsn` decodes to all zeros (memberlist reads a missing
 *   Vsn as version zero); any length other than 0 or 6 is Malformed.
 * - `Ping.source` exists when `SourceAddr` is present; `SourcePort` 0 and
 *   `SourceNode` "" are Go's omitted zero values.
 * - Go's decoder requires no field; we require the ones that identify the
 *   message (sequence numbers, incarnations, node names, addresses) and take
 *   Go's zero value for the rest, so any memberlist version's output decodes.
 *
 * @internal
 */
import { Either } from "effect"
import type {
  Ack,
  Alive,
  Dead,
  ErrorResponse,
  IndirectPing,
  Nack,
  PacketMessage,
  Ping,
  Suspect,
  User
} from "../swim/messages.js"
import type { CodecTable, MessageCodec, ReadOptions } from "./codec.js"
import { byTypeByte, codecOf, encodeWith, readByType } from "./codec.js"
import { DecodeError, decodeError } from "./errors.js"
import {
  emptyMemberFields,
  ipFieldSize,
  keySize as k,
  memberFieldsSize,
  missing,
  readIp,
  readMemberField,
  readName,
  resetMemberFields,
  writeIpField,
  writeMemberFields
} from "./fields.js"
import { MessageType } from "./messageType.js"
import { bytesFieldSize, EMPTY_BYTES, MsgpackReader, type MsgpackWriter, ownBytes, stringSize, U16_MAX, U32_MAX, uintSize } from "./msgpack.js"
import * as Canonical from "./canonical.js"
import { fieldKeys } from "./fieldKeys.js"

// ---------------------------------------------------------------------------
// Source fields: optional on ping and indirect ping
// ---------------------------------------------------------------------------

const sourceFields = (m: Ping | IndirectPing): number =>
  m.source === undefined ? 0 : 1 + (m.source.address.port > 0 ? 1 : 0) + (m.source.node !== "" ? 1 : 0)

const sourceSize = (m: Ping | IndirectPing): number => {
  const s = m.source
  if (s === undefined) return 0
  return (
    k("SourceAddr") +
    ipFieldSize(s.address.host) +
    (s.address.port > 0 ? k("SourcePort") + uintSize(s.address.port) : 0) +
    (s.node !== "" ? k("SourceNode") + stringSize(s.node) : 0)
  )
}

const writeSource = (w: MsgpackWriter, m: Ping | IndirectPing): void => {
  const s = m.source
  if (s === undefined) return
  w.string("SourceAddr")
  writeIpField(w, s.address.host)
  if (s.node !== "") w.string("SourceNode").string(s.node)
  if (s.address.port > 0) w.string("SourcePort").uint(s.address.port)
}

interface SourceFields {
  sourceHost: string | undefined
  sourcePort: number
  sourceNode: string
}

/**
 * The Source* fields of the ping being read, cleared for each: reading is synchronous and a ping holds
 * no other, so one serves every ping and indirect ping.
 */
const sourceRead: SourceFields = { sourceHost: undefined, sourcePort: 0, sourceNode: "" }

const emptySource = (): SourceFields => {
  sourceRead.sourceHost = undefined
  sourceRead.sourcePort = 0
  sourceRead.sourceNode = ""
  return sourceRead
}

/** Reads one of the three Source* fields if `key` names one; false otherwise. */
const readSourceField = (r: MsgpackReader, key: string, s: SourceFields): boolean => {
  switch (key) {
    case "SourceAddr":
      s.sourceHost = readIp(r, "SourceAddr")
      return true
    case "SourcePort":
      s.sourcePort = r.readUint(U16_MAX)
      return true
    case "SourceNode":
      s.sourceNode = readName(r, false)
      return true
    default:
      return false
  }
}

// A source address decoded before (a member's) is taken from the canonical table, never added to it.
const sourceOf = (s: SourceFields): Ping["source"] =>
  s.sourceHost === undefined ? undefined : {
    address: Canonical.peekAddress(s.sourceHost, s.sourcePort) ?? { host: s.sourceHost, port: s.sourcePort },
    node: s.sourceNode
  }

// ---------------------------------------------------------------------------
// One codec per message
// ---------------------------------------------------------------------------

const ping: MessageCodec<Ping> = {
  type: MessageType.Ping,
  size: (m) => 1 + 1 + k("Node") + stringSize(m.node) + k("SeqNo") + uintSize(m.seqNo) + sourceSize(m),
  write: (w, m) => {
    w.byte(MessageType.Ping).map(2 + sourceFields(m))
    w.string("Node").string(m.node)
    w.string("SeqNo").uint(m.seqNo)
    writeSource(w, m)
  },
  read: (r) => {
    const n = r.readMapLength()
    let seqNo: number | undefined
    let node = ""
    const s = emptySource()
    for (let i = 0; i < n && !r.failed; i++) {
      const key = r.readKey(fieldKeys)
      if (key === "SeqNo") seqNo = r.readUint(U32_MAX)
      else if (key === "Node") node = readName(r, false)
      else if (!readSourceField(r, key, s)) r.skip()
    }
    if (seqNo === undefined) missing(r, "ping.SeqNo")
    if (r.failed || seqNo === undefined) return undefined
    const source = sourceOf(s)
    return source === undefined ? { _tag: "Ping", seqNo, node } : { _tag: "Ping", seqNo, node, source }
  }
}

const indirectPing: MessageCodec<IndirectPing> = {
  type: MessageType.IndirectPing,
  size: (m) =>
    1 +
    1 +
    k("Nack") +
    1 +
    k("Node") +
    stringSize(m.node) +
    k("Port") +
    uintSize(m.target.port) +
    k("SeqNo") +
    uintSize(m.seqNo) +
    sourceSize(m) +
    k("Target") +
    ipFieldSize(m.target.host),
  write: (w, m) => {
    w.byte(MessageType.IndirectPing).map(5 + sourceFields(m))
    w.string("Nack").bool(m.nack)
    w.string("Node").string(m.node)
    w.string("Port").uint(m.target.port)
    w.string("SeqNo").uint(m.seqNo)
    writeSource(w, m)
    w.string("Target")
    writeIpField(w, m.target.host)
  },
  read: (r) => {
    const n = r.readMapLength()
    let seqNo: number | undefined
    let target: string | undefined
    let port = 0
    let node = ""
    let nack = false
    const s = emptySource()
    for (let i = 0; i < n && !r.failed; i++) {
      const key = r.readKey(fieldKeys)
      switch (key) {
        case "SeqNo":
          seqNo = r.readUint(U32_MAX)
          break
        case "Target":
          target = readIp(r, "Target")
          break
        case "Port":
          port = r.readUint(U16_MAX)
          break
        case "Node":
          node = readName(r, false)
          break
        case "Nack":
          nack = r.readBool()
          break
        default:
          if (!readSourceField(r, key, s)) r.skip()
      }
    }
    if (seqNo === undefined) missing(r, "indirectPingReq.SeqNo")
    if (target === undefined) missing(r, "indirectPingReq.Target")
    if (r.failed || seqNo === undefined || target === undefined) return undefined
    const source = sourceOf(s)
    const base = { _tag: "IndirectPing", seqNo, target: { host: target, port }, node, nack } as const
    return source === undefined ? base : { ...base, source }
  }
}

const ack: MessageCodec<Ack> = {
  type: MessageType.Ack,
  size: (m) => 1 + 1 + k("Payload") + bytesFieldSize(m.payload.length) + k("SeqNo") + uintSize(m.seqNo),
  write: (w, m) => {
    w.byte(MessageType.Ack).map(2)
    w.string("Payload").bytes(m.payload)
    w.string("SeqNo").uint(m.seqNo)
  },
  read: (r, { copy }) => {
    const n = r.readMapLength()
    let seqNo: number | undefined
    let payload: Uint8Array = EMPTY_BYTES
    for (let i = 0; i < n && !r.failed; i++) {
      const key = r.readKey(fieldKeys)
      if (key === "SeqNo") seqNo = r.readUint(U32_MAX)
      else if (key === "Payload") payload = r.readBytes()
      else r.skip()
    }
    if (seqNo === undefined) missing(r, "ackResp.SeqNo")
    if (r.failed || seqNo === undefined) return undefined
    return { _tag: "Ack", seqNo, payload: copy ? ownBytes(payload) : payload }
  }
}

const nack: MessageCodec<Nack> = {
  type: MessageType.Nack,
  size: (m) => 1 + 1 + k("SeqNo") + uintSize(m.seqNo),
  write: (w, m) => {
    w.byte(MessageType.Nack).map(1)
    w.string("SeqNo").uint(m.seqNo)
  },
  read: (r) => {
    const n = r.readMapLength()
    let seqNo: number | undefined
    for (let i = 0; i < n && !r.failed; i++) {
      const key = r.readKey(fieldKeys)
      if (key === "SeqNo") seqNo = r.readUint(U32_MAX)
      else r.skip()
    }
    if (seqNo === undefined) missing(r, "nackResp.SeqNo")
    if (r.failed || seqNo === undefined) return undefined
    return { _tag: "Nack", seqNo }
  }
}

/** suspect and dead are the same struct under two type bytes. */
const accusation = <M extends Suspect | Dead>(tag: M["_tag"], type: MessageType): MessageCodec<M> => ({
  type,
  size: (m) =>
    1 + 1 + k("From") + stringSize(m.from) + k("Incarnation") + uintSize(m.incarnation) + k("Node") + stringSize(m.node),
  write: (w, m) => {
    w.byte(type).map(3)
    w.string("From").string(m.from)
    w.string("Incarnation").uint(m.incarnation)
    w.string("Node").string(m.node)
  },
  read: (r) => {
    const n = r.readMapLength()
    let incarnation: number | undefined
    let node: string | undefined
    let from = ""
    for (let i = 0; i < n && !r.failed; i++) {
      const key = r.readKey(fieldKeys)
      if (key === "Incarnation") incarnation = r.readUint(U32_MAX)
      else if (key === "Node") node = readName(r, false)
      else if (key === "From") from = readName(r, false)
      else r.skip()
    }
    if (incarnation === undefined) missing(r, `${tag}.Incarnation`)
    if (node === undefined) missing(r, `${tag}.Node`)
    if (r.failed || incarnation === undefined || node === undefined) return undefined
    return { _tag: tag, incarnation, node, from } as M
  }
})

/** The fields of the alive being read: reading is synchronous and an alive holds no other, so one serves all. */
const aliveFields = emptyMemberFields()

const alive: MessageCodec<Alive> = {
  type: MessageType.Alive,
  size: (m) => 1 + 1 + memberFieldsSize("Node", m.node, m),
  write: (w, m) => {
    w.byte(MessageType.Alive).map(6)
    writeMemberFields(w, "Node", m.node, m)
  },
  read: (r, { copy }) => {
    const n = r.readMapLength()
    const f = aliveFields
    resetMemberFields(f)
    for (let i = 0; i < n && !r.failed; i++) {
      if (!readMemberField(r, r.readKey(fieldKeys), "Node", f)) r.skip()
    }
    const { host, incarnation, name: node } = f
    if (incarnation === undefined) missing(r, "alive.Incarnation")
    if (node === undefined) missing(r, "alive.Node")
    if (host === undefined) missing(r, "alive.Addr")
    if (r.failed || incarnation === undefined || node === undefined || host === undefined) return undefined
    return {
      _tag: "Alive",
      incarnation,
      node,
      address: Canonical.address(host, f.port),
      meta: copy ? ownBytes(f.meta) : f.meta,
      versions: f.versions
    }
  }
}

/** A user message has no msgpack body: the payload is the rest of the message. */
const user: MessageCodec<User> = {
  type: MessageType.User,
  size: (m) => 1 + m.payload.length,
  write: (w, m) => {
    w.byte(MessageType.User).raw(m.payload)
  },
  read: (r, { copy }) => {
    const payload = copy ? r.bytes.slice(r.pos, r.end) : r.bytes.subarray(r.pos, r.end)
    r.pos = r.end
    return { _tag: "User", payload }
  }
}

const errorResponse: MessageCodec<ErrorResponse> = {
  type: MessageType.Err,
  size: (m) => 1 + 1 + k("Error") + stringSize(m.error),
  write: (w, m) => {
    w.byte(MessageType.Err).map(1)
    w.string("Error").string(m.error)
  },
  read: (r) => {
    const n = r.readMapLength()
    let error: string | undefined
    for (let i = 0; i < n && !r.failed; i++) {
      const key = r.readKey(fieldKeys)
      if (key === "Error") error = r.readString()
      else r.skip()
    }
    if (error === undefined) missing(r, "errResp.Error")
    if (r.failed || error === undefined) return undefined
    return { _tag: "ErrorResponse", error }
  }
}

/** Every message a packet can carry, by tag: its type byte, size, writer and reader. */
export const packetCodecs: CodecTable<PacketMessage> = {
  Ping: ping,
  IndirectPing: indirectPing,
  Ack: ack,
  Nack: nack,
  Suspect: accusation<Suspect>("Suspect", MessageType.Suspect),
  Dead: accusation<Dead>("Dead", MessageType.Dead),
  Alive: alive,
  User: user,
  ErrorResponse: errorResponse
}

const packetByType = byTypeByte(packetCodecs)

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/** Exact size of `m` encoded (type byte + body), computed without encoding. */
export const messageSize = (m: PacketMessage): number => codecOf(packetCodecs, m).size(m)

/** Encodes one message: memberlist's type byte followed by its body. */
export const encodeMessage = (m: PacketMessage): Uint8Array => encodeWith(codecOf(packetCodecs, m), m)

/** Options for decoding one message. */
export interface DecodeMessageOptions {
  /**
   * Copy byte fields (payloads, meta) out of the input instead of returning
   * views into it. Default true: a view would pin the whole receive buffer
   * for as long as the core keeps the message.
   */
  readonly copy?: boolean
}

const COPY: ReadOptions = { copy: true, maxNodes: 0 }
const VIEW: ReadOptions = { copy: false, maxNodes: 0 }

/**
 * Decodes one message (type byte + body) that fills `bytes` exactly.
 * Compound, compress, CRC, encrypt and label wrappers are not messages:
 * `packet.ts` unwraps them. Data after the body is "TrailingBytes".
 */
export const decodeMessage = (
  bytes: Uint8Array,
  options?: DecodeMessageOptions
): Either.Either<PacketMessage, DecodeError> => {
  const m = readMessage(bytes, options?.copy !== false)
  return m instanceof DecodeError ? Either.left(m) : Either.right(m)
}

/**
 * `decodeMessage` for the packet decoder, which reads every message of every datagram: the message or
 * the error itself, with no `Either` around it.
 */
export const readMessage = (bytes: Uint8Array, copy: boolean): PacketMessage | DecodeError => {
  if (bytes.length === 0) return decodeError("Truncated", "empty message")
  const r = new MsgpackReader(bytes, 1)
  const m = readByType(packetByType, "packet", bytes[0]!, r, copy ? COPY : VIEW)
  if (r.error !== undefined) return r.error
  if (m === undefined) return decodeError("Malformed", "message did not decode")
  if (r.remaining > 0) return decodeError("TrailingBytes", `${r.remaining} bytes after the message`)
  return m
}
