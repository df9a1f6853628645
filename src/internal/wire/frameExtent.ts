/**
 * Where a stream frame ends, found as its bytes arrive, without decoding
 * it. memberlist's plaintext frames carry no length: their msgpack values
 * end them. Decoding the prefix again after every chunk costs time
 * quadratic in the frame's size (a 16 MiB frame cost over a minute of CPU),
 * which anyone who can open a TCP connection could use. This scanner walks
 * each byte once, resuming where the last chunk left off, checks declared
 * lengths against their limits as soon as they arrive, and says when the
 * frame is whole, so the shell decodes it exactly once.
 *
 * @internal
 */
import { Either } from "effect"
import type { DecodeError } from "./errors.js"
import { decodeError } from "./errors.js"
import { labelHeaderSize } from "./label.js"
import { MessageType } from "./messageType.js"
import { MsgpackReader } from "./msgpack.js"
import { STREAM_FRAME_HEADER, streamFrameLength } from "./encryption.js"
import { fieldKeys } from "./fieldKeys.js"

/** Limits a frame is held to while it arrives. */
export interface FrameLimits {
  /** Most bytes the whole frame may take. */
  readonly maxFrameBytes: number
  /** Most members a push/pull may declare. */
  readonly maxNodes: number
  /** Most bytes a sealed frame, a user state or a user message may declare. */
  readonly maxDeclaredBytes: number
}

/** Deeper msgpack than memberlist ever writes (its deepest is a map holding an array). */
const maxDepth = 32

/** What follows a run of msgpack values. */
type Then =
  | { readonly _tag: "End" }
  | { readonly _tag: "PushPullHeader" }
  | { readonly _tag: "UserHeader" }
  | { readonly _tag: "RawBytes"; readonly size: number }

const end: Then = { _tag: "End" }

type Phase =
  | { readonly _tag: "Label" }
  | { readonly _tag: "Type" }
  | { readonly _tag: "Sealed"; readonly end: number }
  /** Skipping msgpack values from `from`; `then` says what follows the last one. */
  | { readonly _tag: "Values"; readonly then: Then; readonly from: number }
  | { readonly _tag: "Raw"; readonly end: number }
  | { readonly _tag: "Done"; readonly end: number }

/** Tracks one frame's extent over successive, growing prefixes of it. */
export class FrameExtent {
  private phase: Phase = { _tag: "Label" }
  private pos = 0
  /** Values still to skip at each nesting level, innermost last. */
  private readonly pending: Array<number> = []
  /** How many value headers were examined so far: the scanner's work, for tests of its linearity. */
  visits = 0

  constructor(private readonly limits: FrameLimits) {}

  /**
   * Looks at `bytes[0, length)`, a prefix of the frame that only grows
   * between calls: the frame's length once it is whole, `undefined` while
   * more is needed, or why it can never be a valid frame.
   */
  advance(bytes: Uint8Array, length: number): Either.Either<number | undefined, DecodeError> {
    if (length > this.limits.maxFrameBytes && this.phase._tag !== "Done") {
      return Either.left(decodeError("Oversized", `stream frame larger than ${this.limits.maxFrameBytes} bytes`))
    }
    for (;;) {
      const phase = this.phase
      switch (phase._tag) {
        case "Done":
          return Either.right(phase.end)
        case "Label": {
          const size = labelHeaderSize(bytes.subarray(0, Math.min(length, 2)))
          if (Either.isLeft(size)) return size.left.reason === "Truncated" ? Either.right(undefined) : Either.left(size.left)
          if (length < size.right) return Either.right(undefined)
          this.pos = size.right
          this.phase = { _tag: "Type" }
          break
        }
        case "Type": {
          if (length <= this.pos) return Either.right(undefined)
          const start = this.pos
          const type = bytes[start]!
          if (type === MessageType.Encrypt) {
            if (length < start + STREAM_FRAME_HEADER) return Either.right(undefined)
            const sealed = streamFrameLength(bytes.subarray(start, start + STREAM_FRAME_HEADER), this.limits.maxDeclaredBytes)
            if (Either.isLeft(sealed)) return Either.left(sealed.left)
            this.phase = { _tag: "Sealed", end: start + STREAM_FRAME_HEADER + sealed.right }
            break
          }
          this.pos = start + 1
          this.pending.push(1)
          const then: Then = type === MessageType.PushPull
            ? { _tag: "PushPullHeader" }
            : type === MessageType.User
            ? { _tag: "UserHeader" }
            : end
          this.phase = { _tag: "Values", then, from: this.pos }
          break
        }
        case "Sealed":
          if (phase.end > this.limits.maxFrameBytes) {
            return Either.left(decodeError("Oversized", `stream frame of ${phase.end} bytes exceeds ${this.limits.maxFrameBytes}`))
          }
          if (length < phase.end) return Either.right(undefined)
          this.phase = { _tag: "Done", end: phase.end }
          break
        case "Raw":
          if (phase.end > this.limits.maxFrameBytes) {
            return Either.left(decodeError("Oversized", `stream frame of ${phase.end} bytes exceeds ${this.limits.maxFrameBytes}`))
          }
          if (length < phase.end) return Either.right(undefined)
          this.phase = { _tag: "Done", end: phase.end }
          break
        case "Values": {
          const skipped = this.skipValues(bytes, length)
          if (skipped !== true) return skipped === false ? Either.right(undefined) : Either.left(skipped)
          const next = this.afterValues(bytes, phase)
          if (next !== undefined) return Either.left(next)
          break
        }
      }
    }
  }

  /** What follows the values just skipped: a push/pull's states and user state, a user message's bytes, or nothing. */
  private afterValues(bytes: Uint8Array, phase: Extract<Phase, { _tag: "Values" }>): DecodeError | undefined {
    switch (phase.then._tag) {
      case "End":
        this.phase = { _tag: "Done", end: this.pos }
        return undefined
      case "RawBytes":
        this.phase = { _tag: "Raw", end: this.pos + phase.then.size }
        return undefined
      case "UserHeader": {
        const header = readHeader(bytes, phase.from, this.pos)
        if (!(header instanceof Map)) return header
        const size = header.get("UserMsgLen")
        if (size === undefined) return decodeError("Malformed", "userMsgHeader without UserMsgLen")
        if (size < 0 || size > this.limits.maxDeclaredBytes) return decodeError("Oversized", `user message of ${size} bytes`)
        this.phase = { _tag: "Raw", end: this.pos + size }
        return undefined
      }
      case "PushPullHeader": {
        const header = readHeader(bytes, phase.from, this.pos)
        if (!(header instanceof Map)) return header
        const nodes = header.get("Nodes")
        const userState = header.get("UserStateLen") ?? 0
        if (nodes === undefined) return decodeError("Malformed", "pushPullHeader without Nodes")
        if (nodes < 0 || nodes > this.limits.maxNodes) {
          return decodeError("Oversized", `push/pull of ${nodes} members (limit ${this.limits.maxNodes})`)
        }
        if (userState < 0 || userState > this.limits.maxDeclaredBytes) {
          return decodeError("Oversized", `user state of ${userState} bytes`)
        }
        this.pending.push(nodes)
        this.phase = { _tag: "Values", then: { _tag: "RawBytes", size: userState }, from: this.pos }
        return undefined
      }
    }
  }

  /**
   * Skips whole msgpack values from `pos` while they are complete: true when
   * every pending value is skipped, false when the next one is not all here
   * yet (`pos` stays at its start), or an error for bytes that are no msgpack.
   */
  private skipValues(bytes: Uint8Array, length: number): boolean | DecodeError {
    const pending = this.pending
    while (pending.length > 0) {
      const top = pending.length - 1
      if (pending[top] === 0) {
        pending.pop()
        continue
      }
      this.visits++
      const head = valueHead(bytes, this.pos, length)
      if (head === undefined) return false
      if (head === "invalid") return decodeError("Malformed", `byte 0x${bytes[this.pos]!.toString(16)} starts no msgpack value`)
      if (head.children > 0) {
        if (pending.length >= maxDepth) return decodeError("Malformed", `msgpack nested deeper than ${maxDepth}`)
        this.pos += head.size
        pending[top] = pending[top]! - 1
        pending.push(head.children)
        continue
      }
      if (this.pos + head.size > this.limits.maxFrameBytes) {
        return decodeError("Oversized", `stream frame larger than ${this.limits.maxFrameBytes} bytes`)
      }
      if (this.pos + head.size > length) return false
      this.pos += head.size
      pending[top] = pending[top]! - 1
    }
    return true
  }
}

/**
 * The size of the value starting at `at` (its header, plus its payload for
 * scalars, strings, binaries and extensions) and how many values it
 * contains (arrays and maps); undefined when even its header is not all here.
 */
const valueHead = (
  bytes: Uint8Array,
  at: number,
  length: number
): { readonly size: number; readonly children: number } | "invalid" | undefined => {
  if (at >= length) return undefined
  const b = bytes[at]!
  if (b <= 0x7f || b >= 0xe0) return { size: 1, children: 0 }
  if (b <= 0x8f) return { size: 1, children: 2 * (b & 0x0f) }
  if (b <= 0x9f) return { size: 1, children: b & 0x0f }
  if (b <= 0xbf) return { size: 1 + (b & 0x1f), children: 0 }
  const need = (n: number) => at + n <= length
  const u8 = () => bytes[at + 1]!
  const u16 = () => (bytes[at + 1]! << 8) | bytes[at + 2]!
  const u32 = () => ((bytes[at + 1]! << 24) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!) >>> 0
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return { size: 1, children: 0 }
    case 0xc4:
    case 0xd9:
      return need(2) ? { size: 2 + u8(), children: 0 } : undefined
    case 0xc5:
    case 0xda:
      return need(3) ? { size: 3 + u16(), children: 0 } : undefined
    case 0xc6:
    case 0xdb:
      return need(5) ? { size: 5 + u32(), children: 0 } : undefined
    case 0xc7:
      return need(2) ? { size: 3 + u8(), children: 0 } : undefined
    case 0xc8:
      return need(3) ? { size: 4 + u16(), children: 0 } : undefined
    case 0xc9:
      return need(5) ? { size: 6 + u32(), children: 0 } : undefined
    case 0xca:
      return { size: 5, children: 0 }
    case 0xcb:
      return { size: 9, children: 0 }
    case 0xcc:
    case 0xd0:
      return { size: 2, children: 0 }
    case 0xcd:
    case 0xd1:
      return { size: 3, children: 0 }
    case 0xce:
    case 0xd2:
      return { size: 5, children: 0 }
    case 0xcf:
    case 0xd3:
      return { size: 9, children: 0 }
    case 0xd4:
      return { size: 3, children: 0 }
    case 0xd5:
      return { size: 4, children: 0 }
    case 0xd6:
      return { size: 6, children: 0 }
    case 0xd7:
      return { size: 10, children: 0 }
    case 0xd8:
      return { size: 18, children: 0 }
    case 0xdc:
      return need(3) ? { size: 3, children: u16() } : undefined
    case 0xdd:
      return need(5) ? { size: 5, children: u32() } : undefined
    case 0xde:
      return need(3) ? { size: 3, children: 2 * u16() } : undefined
    case 0xdf:
      return need(5) ? { size: 5, children: 2 * u32() } : undefined
    default:
      return "invalid"
  }
}

/** The integer fields of a small header map in `bytes[from, to)` (other fields skipped). */
const readHeader = (bytes: Uint8Array, from: number, to: number): Map<string, number> | DecodeError => {
  const r = new MsgpackReader(bytes, from, to)
  const fields = new Map<string, number>()
  const n = r.readMapLength()
  for (let i = 0; i < n && !r.failed; i++) {
    const key = r.readKey(fieldKeys)
    const head = r.failed ? undefined : r.bytes[r.pos]
    // Booleans (Join) and other kinds are skipped; the lengths are integers.
    if (head !== undefined && (head <= 0x7f || head >= 0xcc && head <= 0xd3 || head >= 0xe0)) fields.set(key, r.readInt())
    else r.skip()
  }
  return r.error ?? fields
}
