/**
 * Encodes and decodes single memberlist messages: a type byte followed by a
 * msgpack struct (or, for user messages, the raw payload).
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
  Address,
  Alive,
  Dead,
  ErrorResponse,
  IndirectPing,
  Nack,
  PacketMessage,
  Ping,
  Suspect,
  Versions
} from "../swim/messages.js"
import { ipByteLength, ipFromBytes, writeIp } from "./address.js"
import type { DecodeError } from "./errors.js"
import { decodeError } from "./errors.js"
import { MessageType } from "./messageType.js"
import {
  bytesFieldSize,
  MsgpackReader,
  MsgpackWriter,
  stringSize,
  U16_MAX,
  U32_MAX,
  uintSize
} from "./msgpack.js"

/** memberlist's MetaMaxSize: the sender refuses more, so more is an attack or a bug. */
export const META_MAX_SIZE = 512

// ---------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------

/** Writes an address's IP as a `[]byte` field (fixstr of 4 or 16 bytes). */
const writeIpField = (w: MsgpackWriter, host: string): void => {
  const n = ipByteLength(host)
  const tmp = new Uint8Array(n)
  writeIp(host, tmp, 0)
  w.byte(0xa0 | n).raw(tmp)
}

const ipFieldSize = (host: string): number => 1 + ipByteLength(host)

const writeVersions = (w: MsgpackWriter, v: Versions): void => {
  w.byte(0xa6)
  for (const x of v) w.byte(x)
}

const ZERO_VERSIONS: Versions = [0, 0, 0, 0, 0, 0]

/** Reads a Vsn `[]uint8` field. */
export const readVersions = (r: MsgpackReader): Versions => {
  const b = r.readBytes(6)
  if (r.failed) return ZERO_VERSIONS
  if (b.length === 0) return ZERO_VERSIONS
  if (b.length !== 6) {
    r.fail("Malformed", `Vsn has ${b.length} entries, expected 6`)
    return ZERO_VERSIONS
  }
  return [b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!]
}

/** Reads an IP `[]byte` field (4 or 16 bytes), or undefined when it is empty/nil. */
export const readIp = (r: MsgpackReader, field: string): string | undefined => {
  const b = r.readBytes(16)
  if (r.failed || b.length === 0) return undefined
  const host = ipFromBytes(b)
  if (host === undefined) r.fail("Malformed", `${field} has ${b.length} bytes, expected 4 or 16`)
  return host
}

const missing = (r: MsgpackReader, what: string): void => r.fail("Malformed", `missing field ${what}`)

/** Key sizes: a fixstr header plus the ASCII name. */
const k = (name: string): number => 1 + name.length

// ---------------------------------------------------------------------------
// Sizes
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

/** Exact size of `m` encoded (type byte + body), computed without encoding. */
export const messageSize = (m: PacketMessage): number => {
  switch (m._tag) {
    case "Ping":
      return 1 + 1 + k("Node") + stringSize(m.node) + k("SeqNo") + uintSize(m.seqNo) + sourceSize(m)
    case "IndirectPing":
      return (
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
        ipFieldSize(m.target.host)
      )
    case "Ack":
      return 1 + 1 + k("Payload") + bytesFieldSize(m.payload.length) + k("SeqNo") + uintSize(m.seqNo)
    case "Nack":
      return 1 + 1 + k("SeqNo") + uintSize(m.seqNo)
    case "Suspect":
    case "Dead":
      return (
        1 + 1 + k("From") + stringSize(m.from) + k("Incarnation") + uintSize(m.incarnation) + k("Node") + stringSize(m.node)
      )
    case "Alive":
      return (
        1 +
        1 +
        k("Addr") +
        ipFieldSize(m.address.host) +
        k("Incarnation") +
        uintSize(m.incarnation) +
        k("Meta") +
        bytesFieldSize(m.meta.length) +
        k("Node") +
        stringSize(m.node) +
        k("Port") +
        uintSize(m.address.port) +
        k("Vsn") +
        7
      )
    case "User":
      return 1 + m.payload.length
    case "ErrorResponse":
      return 1 + 1 + k("Error") + stringSize(m.error)
  }
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

const writeSource = (w: MsgpackWriter, m: Ping | IndirectPing): void => {
  const s = m.source
  if (s === undefined) return
  w.string("SourceAddr")
  writeIpField(w, s.address.host)
  if (s.node !== "") w.string("SourceNode").string(s.node)
  if (s.address.port > 0) w.string("SourcePort").uint(s.address.port)
}

/** Writes `m` (type byte + body) to `w`. */
export const writeMessage = (w: MsgpackWriter, m: PacketMessage): void => {
  switch (m._tag) {
    case "Ping":
      w.byte(MessageType.Ping).map(2 + sourceFields(m))
      w.string("Node").string(m.node)
      w.string("SeqNo").uint(m.seqNo)
      writeSource(w, m)
      return
    case "IndirectPing":
      w.byte(MessageType.IndirectPing).map(5 + sourceFields(m))
      w.string("Nack").bool(m.nack)
      w.string("Node").string(m.node)
      w.string("Port").uint(m.target.port)
      w.string("SeqNo").uint(m.seqNo)
      writeSource(w, m)
      w.string("Target")
      writeIpField(w, m.target.host)
      return
    case "Ack":
      w.byte(MessageType.Ack).map(2)
      w.string("Payload").bytes(m.payload)
      w.string("SeqNo").uint(m.seqNo)
      return
    case "Nack":
      w.byte(MessageType.Nack).map(1)
      w.string("SeqNo").uint(m.seqNo)
      return
    case "Suspect":
    case "Dead":
      w.byte(m._tag === "Suspect" ? MessageType.Suspect : MessageType.Dead).map(3)
      w.string("From").string(m.from)
      w.string("Incarnation").uint(m.incarnation)
      w.string("Node").string(m.node)
      return
    case "Alive":
      w.byte(MessageType.Alive).map(6)
      w.string("Addr")
      writeIpField(w, m.address.host)
      w.string("Incarnation").uint(m.incarnation)
      w.string("Meta").bytes(m.meta)
      w.string("Node").string(m.node)
      w.string("Port").uint(m.address.port)
      w.string("Vsn")
      writeVersions(w, m.versions)
      return
    case "User":
      w.byte(MessageType.User).raw(m.payload)
      return
    case "ErrorResponse":
      w.byte(MessageType.Err).map(1)
      w.string("Error").string(m.error)
      return
  }
}

/** Encodes one message: memberlist's type byte followed by its body. */
export const encodeMessage = (m: PacketMessage): Uint8Array => {
  const w = new MsgpackWriter(messageSize(m))
  writeMessage(w, m)
  return w.finish()
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

interface SourceFields {
  sourceHost: string | undefined
  sourcePort: number
  sourceNode: string
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
      s.sourceNode = r.readString()
      return true
    default:
      return false
  }
}

const sourceOf = (s: SourceFields): Ping["source"] =>
  s.sourceHost === undefined ? undefined : { address: { host: s.sourceHost, port: s.sourcePort }, node: s.sourceNode }

const decodePing = (r: MsgpackReader): Ping | undefined => {
  const n = r.readMapLength()
  let seqNo: number | undefined
  let node = ""
  const s: SourceFields = { sourceHost: undefined, sourcePort: 0, sourceNode: "" }
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readString()
    if (key === "SeqNo") seqNo = r.readUint(U32_MAX)
    else if (key === "Node") node = r.readString()
    else if (!readSourceField(r, key, s)) r.skip()
  }
  if (seqNo === undefined) missing(r, "ping.SeqNo")
  if (r.failed || seqNo === undefined) return undefined
  const source = sourceOf(s)
  return source === undefined ? { _tag: "Ping", seqNo, node } : { _tag: "Ping", seqNo, node, source }
}

const decodeIndirectPing = (r: MsgpackReader): IndirectPing | undefined => {
  const n = r.readMapLength()
  let seqNo: number | undefined
  let target: string | undefined
  let port = 0
  let node = ""
  let nack = false
  const s: SourceFields = { sourceHost: undefined, sourcePort: 0, sourceNode: "" }
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readString()
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
        node = r.readString()
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

const decodeAck = (r: MsgpackReader, copy: boolean): Ack | undefined => {
  const n = r.readMapLength()
  let seqNo: number | undefined
  let payload: Uint8Array = new Uint8Array(0)
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readString()
    if (key === "SeqNo") seqNo = r.readUint(U32_MAX)
    else if (key === "Payload") payload = r.readBytes()
    else r.skip()
  }
  if (seqNo === undefined) missing(r, "ackResp.SeqNo")
  if (r.failed || seqNo === undefined) return undefined
  return { _tag: "Ack", seqNo, payload: copy ? payload.slice() : payload }
}

const decodeNack = (r: MsgpackReader): Nack | undefined => {
  const n = r.readMapLength()
  let seqNo: number | undefined
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readString()
    if (key === "SeqNo") seqNo = r.readUint(U32_MAX)
    else r.skip()
  }
  if (seqNo === undefined) missing(r, "nackResp.SeqNo")
  if (r.failed || seqNo === undefined) return undefined
  return { _tag: "Nack", seqNo }
}

const decodeSuspectOrDead = <T extends "Suspect" | "Dead">(r: MsgpackReader, tag: T): (Suspect | Dead) | undefined => {
  const n = r.readMapLength()
  let incarnation: number | undefined
  let node: string | undefined
  let from = ""
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readString()
    if (key === "Incarnation") incarnation = r.readUint(U32_MAX)
    else if (key === "Node") node = r.readString()
    else if (key === "From") from = r.readString()
    else r.skip()
  }
  if (incarnation === undefined) missing(r, `${tag}.Incarnation`)
  if (node === undefined) missing(r, `${tag}.Node`)
  if (r.failed || incarnation === undefined || node === undefined) return undefined
  return { _tag: tag, incarnation, node, from }
}

const decodeAlive = (r: MsgpackReader, copy: boolean): Alive | undefined => {
  const n = r.readMapLength()
  let incarnation: number | undefined
  let node: string | undefined
  let host: string | undefined
  let port = 0
  let meta: Uint8Array = new Uint8Array(0)
  let versions = ZERO_VERSIONS
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readString()
    switch (key) {
      case "Incarnation":
        incarnation = r.readUint(U32_MAX)
        break
      case "Node":
        node = r.readString()
        break
      case "Addr":
        host = readIp(r, "Addr")
        break
      case "Port":
        port = r.readUint(U16_MAX)
        break
      case "Meta":
        meta = r.readBytes(META_MAX_SIZE)
        break
      case "Vsn":
        versions = readVersions(r)
        break
      default:
        r.skip()
    }
  }
  if (incarnation === undefined) missing(r, "alive.Incarnation")
  if (node === undefined) missing(r, "alive.Node")
  if (host === undefined) missing(r, "alive.Addr")
  if (r.failed || incarnation === undefined || node === undefined || host === undefined) return undefined
  const address: Address = { host, port }
  return { _tag: "Alive", incarnation, node, address, meta: copy ? meta.slice() : meta, versions }
}

const decodeErr = (r: MsgpackReader): ErrorResponse | undefined => {
  const n = r.readMapLength()
  let error: string | undefined
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readString()
    if (key === "Error") error = r.readString()
    else r.skip()
  }
  if (error === undefined) missing(r, "errResp.Error")
  if (r.failed || error === undefined) return undefined
  return { _tag: "ErrorResponse", error }
}

/**
 * Reads the msgpack body of a message of type `type` (not User, which has no
 * msgpack body) from `r`, leaving `r` just after it. Failures, including an
 * unknown type ("UnknownType"), are recorded in `r`.
 */
export const readMessageBody = (type: number, r: MsgpackReader, copy: boolean): PacketMessage | undefined => {
  switch (type) {
    case MessageType.Ping:
      return decodePing(r)
    case MessageType.IndirectPing:
      return decodeIndirectPing(r)
    case MessageType.Ack:
      return decodeAck(r, copy)
    case MessageType.Nack:
      return decodeNack(r)
    case MessageType.Suspect:
      return decodeSuspectOrDead(r, "Suspect")
    case MessageType.Dead:
      return decodeSuspectOrDead(r, "Dead")
    case MessageType.Alive:
      return decodeAlive(r, copy)
    case MessageType.Err:
      return decodeErr(r)
    default:
      r.fail("UnknownType", `message type ${type} is not a packet message`)
      return undefined
  }
}

/** Options for decoding one message. */
export interface DecodeMessageOptions {
  /**
   * Copy byte fields (payloads, meta) out of the input instead of returning
   * views into it. Default true: a view would pin the whole receive buffer
   * for as long as the core keeps the message.
   */
  readonly copy?: boolean
}

/**
 * Decodes one message (type byte + body) that fills `bytes` exactly.
 * Compound, compress, CRC, encrypt and label wrappers are not messages:
 * `packet.ts` unwraps them. Data after the body is "TrailingBytes".
 */
export const decodeMessage = (
  bytes: Uint8Array,
  options?: DecodeMessageOptions
): Either.Either<PacketMessage, DecodeError> => {
  if (bytes.length === 0) return Either.left(decodeError("Truncated", "empty message"))
  const copy = options?.copy ?? true
  const type = bytes[0]!
  if (type === MessageType.User) {
    const payload = copy ? bytes.slice(1) : bytes.subarray(1)
    return Either.right({ _tag: "User", payload })
  }
  const r = new MsgpackReader(bytes, 1)
  const m = readMessageBody(type, r, copy)
  if (r.error !== undefined) return Either.left(r.error)
  if (m === undefined) return Either.left(decodeError("Malformed", "message did not decode"))
  if (r.remaining > 0) return Either.left(decodeError("TrailingBytes", `${r.remaining} bytes after the message`))
  return Either.right(m)
}
