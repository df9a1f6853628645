/**
 * A small, strict and bounded msgpack reader and writer for the subset
 * HashiCorp memberlist uses (through github.com/hashicorp/go-msgpack with a
 * default `MsgpackHandle`).
 *
 * Facts taken from go-msgpack's `msgpack.go` / `encode.go` / `decode.go`:
 * - Structs are maps keyed by the field name, with keys written in sorted
 *   (byte-wise) order; `omitempty` fields that are zero are left out.
 * - With `WriteExt` off, both `string` and `[]byte` are written in the *str*
 *   family: fixstr (< 32), str16 (< 65536), str32. Never str8, never bin.
 *   A nil `[]byte` is written as nil (0xc0).
 * - Unsigned and non-negative ints are written in the smallest form:
 *   positive fixint, uint8, uint16, uint32, uint64.
 * - The decoder accepts any integer width for an integer field (signed forms
 *   too, when non-negative), str or bin for `[]byte`, only str for `string`,
 *   0/1 fixints as booleans, and nil for any field (the zero value).
 *
 * The reader never throws and never allocates more than the input holds:
 * every declared length is checked against the bytes that remain. Its error
 * is sticky (like Go's `bufio`): the first failure is recorded in `error`,
 * every later read returns a zero value, and callers check `failed` once per
 * field or per struct.
 *
 * @internal
 */
import { Buffer } from "node:buffer"
import type { DecodeError, DecodeErrorReason } from "./errors.js"
import { decodeError } from "./errors.js"

/** The largest uint32. */
export const U32_MAX = 0xffff_ffff
/** The largest uint16. */
export const U16_MAX = 0xffff
/** The largest uint8. */
export const U8_MAX = 0xff

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** A fixed set of ASCII strings grouped by length, for `MsgpackReader.readKey`. */
export interface KeyTable {
  readonly byLength: ReadonlyArray<ReadonlyArray<string> | undefined>
}

/** A `KeyTable` of `keys`; each must be ASCII (a byte per character), which is what lets bytes match text. */
export const keyTable = (keys: ReadonlyArray<string>): KeyTable => {
  const byLength: Array<Array<string> | undefined> = []
  for (const key of keys) {
    if (!/^[\x00-\x7f]*$/.test(key)) throw new Error(`keyTable: ${key} is not ASCII`)
    const group = byLength[key.length] ?? (byLength[key.length] = [])
    group.push(key)
  }
  return { byLength }
}

/**
 * A cursor over a byte array that reads msgpack values with bounds checks.
 * Reads return a zero value once `error` is set.
 */
export class MsgpackReader {
  /** Position of the next byte to read. */
  pos: number
  /** The first error met, if any. */
  error: DecodeError | undefined = undefined
  /** Where the bytes the last `readSpan` read start. */
  spanStart = 0

  /** Reads `bytes[start, end)`. */
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end: number = bytes.length
  ) {
    this.pos = start
  }

  /** True once any read has failed. */
  get failed(): boolean {
    return this.error !== undefined
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos
  }

  /** Records the first failure (later ones are consequences of it). */
  fail(reason: DecodeErrorReason, message: string): void {
    if (this.error === undefined) this.error = decodeError(reason, message)
  }

  private need(n: number): boolean {
    if (this.error !== undefined) return false
    if (this.end - this.pos < n) {
      this.fail("Truncated", `msgpack: need ${n} bytes at offset ${this.pos}, have ${this.end - this.pos}`)
      return false
    }
    return true
  }

  private byte(): number {
    // Callers have checked bounds with need().
    return this.bytes[this.pos++]!
  }

  private u16(): number {
    const b = this.bytes
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!
    this.pos += 2
    return v
  }

  private u32(): number {
    const b = this.bytes
    const p = this.pos
    this.pos += 4
    return b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
  }

  /** Peeks at the next type byte without consuming it (-1 at the end or after an error). */
  peek(): number {
    if (this.error !== undefined || this.pos >= this.end) return -1
    return this.bytes[this.pos]!
  }

  /**
   * Reads any msgpack integer as a JS number. 64-bit values outside the safe
   * integer range fail as "Oversized" (no memberlist field needs them).
   * Returns `undefined` for nil so callers can apply Go's zero value.
   */
  private readInteger(): number | undefined {
    if (!this.need(1)) return 0
    const t = this.byte()
    if (t <= 0x7f) return t
    if (t >= 0xe0) return t - 0x100
    switch (t) {
      case 0xc0:
        return undefined
      case 0xcc:
        return this.need(1) ? this.byte() : 0
      case 0xcd:
        return this.need(2) ? this.u16() : 0
      case 0xce:
        return this.need(4) ? this.u32() : 0
      case 0xcf: {
        if (!this.need(8)) return 0
        const hi = this.u32()
        const lo = this.u32()
        if (hi > 0x1f_ffff) {
          this.fail("Oversized", "msgpack: uint64 beyond 2^53")
          return 0
        }
        return hi * 0x1_0000_0000 + lo
      }
      case 0xd0: {
        if (!this.need(1)) return 0
        const v = this.byte()
        return v >= 0x80 ? v - 0x100 : v
      }
      case 0xd1: {
        if (!this.need(2)) return 0
        const v = this.u16()
        return v >= 0x8000 ? v - 0x1_0000 : v
      }
      case 0xd2: {
        if (!this.need(4)) return 0
        return this.u32() | 0
      }
      case 0xd3: {
        if (!this.need(8)) return 0
        const hi = this.u32() | 0
        const lo = this.u32()
        // Safe range is [-2^53+1, 2^53-1]: hi must lie in [-2^21, 2^21-1], with the edges checked exactly.
        const v = hi * 0x1_0000_0000 + lo
        if (!Number.isSafeInteger(v)) {
          this.fail("Oversized", "msgpack: int64 beyond 2^53")
          return 0
        }
        return v
      }
      default:
        this.fail("Malformed", `msgpack: expected an integer, found type byte 0x${t.toString(16)}`)
        return 0
    }
  }

  /** Reads a non-negative integer no larger than `max` (Go's decodeUint); nil reads as 0. */
  readUint(max: number): number {
    const v = this.readInteger()
    if (v === undefined) return 0
    if (v < 0) {
      this.fail("Malformed", `msgpack: negative value ${v} for an unsigned field`)
      return 0
    }
    if (v > max) {
      this.fail("Malformed", `msgpack: value ${v} overflows its field (max ${max})`)
      return 0
    }
    return v
  }

  /** Reads a signed integer (Go's `int`, 64-bit); nil reads as 0. */
  readInt(): number {
    return this.readInteger() ?? 0
  }

  /** Reads a bool; Go also takes the fixints 0 and 1, and nil as false. */
  readBool(): boolean {
    if (!this.need(1)) return false
    const t = this.byte()
    switch (t) {
      case 0xc3:
      case 0x01:
        return true
      case 0xc2:
      case 0x00:
      case 0xc0:
        return false
      default:
        this.fail("Malformed", `msgpack: expected a bool, found type byte 0x${t.toString(16)}`)
        return false
    }
  }

  /**
   * Reads the length of a str (or also bin when `allowBin`), checked against
   * the remaining bytes; -1 means nil.
   */
  private readRawLength(allowBin: boolean, max: number): number {
    if (!this.need(1)) return 0
    const t = this.byte()
    let n: number
    if (t >= 0xa0 && t <= 0xbf) n = t & 0x1f
    else {
      switch (t) {
        case 0xc0:
          return -1
        case 0xd9:
          n = this.need(1) ? this.byte() : 0
          break
        case 0xda:
          n = this.need(2) ? this.u16() : 0
          break
        case 0xdb:
          n = this.need(4) ? this.u32() : 0
          break
        case 0xc4:
        case 0xc5:
        case 0xc6:
          if (!allowBin) {
            this.fail("Malformed", "msgpack: bin where a string is expected")
            return 0
          }
          n = t === 0xc4 ? (this.need(1) ? this.byte() : 0) : t === 0xc5 ? (this.need(2) ? this.u16() : 0) : this.need(4) ? this.u32() : 0
          break
        default:
          this.fail("Malformed", `msgpack: expected ${allowBin ? "bytes" : "a string"}, found type byte 0x${t.toString(16)}`)
          return 0
      }
    }
    if (this.error !== undefined) return 0
    if (n > max) {
      this.fail("Oversized", `msgpack: length ${n} over the limit ${max}`)
      return 0
    }
    if (!this.need(n)) return 0
    return n
  }

  /** Reads a UTF-8 string (nil reads as ""); invalid UTF-8 is Malformed. */
  readString(max: number = Number.MAX_SAFE_INTEGER): string {
    const n = this.readRawLength(false, max)
    if (n <= 0) return ""
    const start = this.pos
    this.pos += n
    return decodeUtf8(this, this.bytes, start, n)
  }

  /**
   * Reads a string that is usually one of `known` (a map key): a known one is
   * returned as the table's own string, matched on the bytes, so no string is
   * built per key read; any other reads as `readString` would.
   */
  readKey(known: KeyTable): string {
    const n = this.readRawLength(false, Number.MAX_SAFE_INTEGER)
    if (n <= 0) return ""
    const start = this.pos
    this.pos += n
    const candidates = known.byLength[n]
    if (candidates !== undefined) {
      const bytes = this.bytes
      for (let c = 0; c < candidates.length; c++) {
        const key = candidates[c]!
        let i = 0
        while (i < n && bytes[start + i] === key.charCodeAt(i)) i++
        if (i === n) return key
      }
    }
    return decodeUtf8(this, this.bytes, start, n)
  }

  /**
   * Reads str or bin bytes as `readBytes` does, without making a view: returns
   * their length (0 for nil, empty or after an error) and leaves where they
   * start in `spanStart`, for callers that only look at the bytes.
   */
  readSpan(max: number = Number.MAX_SAFE_INTEGER): number {
    const n = this.readRawLength(true, max)
    if (n <= 0) return 0
    this.spanStart = this.pos
    this.pos += n
    return n
  }

  /**
   * Reads str or bin bytes (nil reads as empty). The result is a view into
   * the input, not a copy: decoded messages share the packet's buffer.
   */
  readBytes(max: number = Number.MAX_SAFE_INTEGER): Uint8Array {
    const n = this.readRawLength(true, max)
    if (n <= 0) return EMPTY
    const start = this.pos
    this.pos += n
    return this.bytes.subarray(start, start + n)
  }

  private readContainerLength(fixBase: number, t16: number, t32: number, what: string, perItem: number): number {
    if (!this.need(1)) return 0
    const t = this.byte()
    let n: number
    if (t >= fixBase && t <= fixBase + 0x0f) n = t - fixBase
    else if (t === t16) n = this.need(2) ? this.u16() : 0
    else if (t === t32) n = this.need(4) ? this.u32() : 0
    else if (t === 0xc0) return 0
    else {
      this.fail("Malformed", `msgpack: expected ${what}, found type byte 0x${t.toString(16)}`)
      return 0
    }
    // Every entry takes at least one byte per value, so a count beyond the
    // remaining bytes is a lie; refusing it here bounds all later loops.
    if (this.error === undefined && n * perItem > this.end - this.pos) {
      this.fail("Truncated", `msgpack: ${what} of ${n} entries in ${this.end - this.pos} bytes`)
      return 0
    }
    return n
  }

  /** Reads a map header and returns its entry count (nil reads as an empty map). */
  readMapLength(): number {
    return this.readContainerLength(0x80, 0xde, 0xdf, "a map", 2)
  }

  /** Reads an array header and returns its element count (nil reads as empty). */
  readArrayLength(): number {
    return this.readContainerLength(0x90, 0xdc, 0xdd, "an array", 1)
  }

  /**
   * Skips one value of any msgpack type (Go decodes unknown struct keys into
   * an interface{}, so any valid value is allowed there). Iterative, so no
   * depth limit is needed: the pending count is bounded by the input size.
   */
  skip(): void {
    let pending = 1
    while (pending > 0) {
      if (!this.need(1)) return
      pending--
      const t = this.byte()
      if (t <= 0x7f || t >= 0xe0) continue
      if (t >= 0x80 && t <= 0x8f) {
        pending += this.checkedCount(2 * (t - 0x80))
        continue
      }
      if (t >= 0x90 && t <= 0x9f) {
        pending += this.checkedCount(t - 0x90)
        continue
      }
      if (t >= 0xa0 && t <= 0xbf) {
        this.skipBytes(t - 0xa0)
        continue
      }
      switch (t) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break
        case 0xc4:
        case 0xd9:
          if (this.need(1)) this.skipBytes(this.byte())
          break
        case 0xc5:
        case 0xda:
          if (this.need(2)) this.skipBytes(this.u16())
          break
        case 0xc6:
        case 0xdb:
          if (this.need(4)) this.skipBytes(this.u32())
          break
        case 0xc7:
          if (this.need(1)) this.skipBytes(this.byte() + 1)
          break
        case 0xc8:
          if (this.need(2)) this.skipBytes(this.u16() + 1)
          break
        case 0xc9:
          if (this.need(4)) this.skipBytes(this.u32() + 1)
          break
        case 0xca:
          this.skipBytes(4)
          break
        case 0xcb:
          this.skipBytes(8)
          break
        case 0xcc:
        case 0xd0:
          this.skipBytes(1)
          break
        case 0xcd:
        case 0xd1:
          this.skipBytes(2)
          break
        case 0xce:
        case 0xd2:
          this.skipBytes(4)
          break
        case 0xcf:
        case 0xd3:
          this.skipBytes(8)
          break
        case 0xd4:
          this.skipBytes(2)
          break
        case 0xd5:
          this.skipBytes(3)
          break
        case 0xd6:
          this.skipBytes(5)
          break
        case 0xd7:
          this.skipBytes(9)
          break
        case 0xd8:
          this.skipBytes(17)
          break
        case 0xdc:
          if (this.need(2)) pending += this.checkedCount(this.u16())
          break
        case 0xdd:
          if (this.need(4)) pending += this.checkedCount(this.u32())
          break
        case 0xde:
          if (this.need(2)) pending += this.checkedCount(2 * this.u16())
          break
        case 0xdf:
          if (this.need(4)) pending += this.checkedCount(2 * this.u32())
          break
        default:
          // 0xc1 is the one byte msgpack never uses.
          this.fail("Malformed", `msgpack: invalid type byte 0x${t.toString(16)}`)
          return
      }
      if (this.error !== undefined) return
    }
  }

  private checkedCount(n: number): number {
    if (n > this.end - this.pos) {
      this.fail("Truncated", `msgpack: container of ${n} values in ${this.end - this.pos} bytes`)
      return 0
    }
    return n
  }

  private skipBytes(n: number): void {
    if (this.need(n)) this.pos += n
  }
}

/** The empty byte array every decode hands out for an empty or nil field: it has no bytes to change, so one serves all. */
export const EMPTY_BYTES = new Uint8Array(0)
const EMPTY = EMPTY_BYTES

/**
 * `bytes` copied out of the buffer it views, so keeping it does not keep a
 * whole packet alive. Empty bytes are the one shared empty array: a member
 * table holds a `meta` per member per view, mostly empty, and a fresh empty
 * array each would cost two objects apiece.
 */
export const ownBytes = (bytes: Uint8Array): Uint8Array => (bytes.length === 0 ? EMPTY : bytes.slice())

/** Decodes UTF-8, with a fast path for short ASCII (node names, field keys). */
const decodeUtf8 = (r: MsgpackReader, bytes: Uint8Array, start: number, n: number): string => {
  if (n <= 64) {
    let s = ""
    let ascii = true
    for (let i = start; i < start + n; i++) {
      const c = bytes[i]!
      if (c >= 0x80) {
        ascii = false
        break
      }
      s += String.fromCharCode(c)
    }
    if (ascii) return s
  }
  try {
    return utf8.decode(bytes.subarray(start, start + n))
  } catch {
    // TextDecoder with fatal: true signals bad UTF-8 by throwing; we turn it into a value.
    r.fail("Malformed", "msgpack: string is not valid UTF-8")
    return ""
  }
}

// ---------------------------------------------------------------------------
// Sizes (exact, matching the writer and Go's encoder)
// ---------------------------------------------------------------------------

/** Encoded size of a non-negative integer in Go's smallest form. */
export const uintSize = (n: number): number =>
  n <= 0x7f ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffff_ffff ? 5 : 9

/** Encoded size of a str header for a payload of `n` bytes (Go never writes str8). */
export const strHeaderSize = (n: number): number => (n < 32 ? 1 : n < 0x1_0000 ? 3 : 5)

/** Encoded size of a `[]byte` field: nil when empty, else str family. */
export const bytesFieldSize = (n: number): number => (n === 0 ? 1 : strHeaderSize(n) + n)

/** UTF-8 byte length of a string. */
const utf8Length = (s: string): number => {
  // Short ASCII strings are the common case (names, keys); avoid the call.
  if (s.length <= 32) {
    let ascii = true
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false
        break
      }
    }
    if (ascii) return s.length
  }
  return Buffer.byteLength(s, "utf8")
}

/** Encoded size of a string field. */
export const stringSize = (s: string): number => {
  const n = utf8Length(s)
  return strHeaderSize(n) + n
}

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

/** A growable output buffer that writes msgpack the way go-msgpack does. */
export class MsgpackWriter {
  private buf: Buffer
  /** Bytes written so far. */
  length = 0

  /** Starts with room for `capacity` bytes (pass the exact size when known). */
  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 16))
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }

  /** The bytes written, as a plain Uint8Array view (no copy). */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.length)
  }

  /** Appends one raw byte. */
  byte(b: number): this {
    this.ensure(1)
    this.buf[this.length++] = b
    return this
  }

  /** Appends raw bytes (not msgpack-framed). */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.length)
    this.length += bytes.length
    return this
  }

  /** Appends a big-endian uint16 (raw). */
  u16(v: number): this {
    this.ensure(2)
    this.buf[this.length++] = v >>> 8
    this.buf[this.length++] = v & 0xff
    return this
  }

  /** Appends a big-endian uint32 (raw). */
  u32(v: number): this {
    this.ensure(4)
    this.buf.writeUInt32BE(v >>> 0, this.length)
    this.length += 4
    return this
  }

  /** msgpack nil. */
  nil(): this {
    return this.byte(0xc0)
  }

  /** msgpack bool. */
  bool(b: boolean): this {
    return this.byte(b ? 0xc3 : 0xc2)
  }

  /** A non-negative integer in Go's smallest form (up to 2^53). */
  uint(n: number): this {
    if (n <= 0x7f) return this.byte(n)
    if (n <= 0xff) return this.byte(0xcc).byte(n)
    if (n <= 0xffff) return this.byte(0xcd).u16(n)
    if (n <= 0xffff_ffff) return this.byte(0xce).u32(n)
    return this.byte(0xcf)
      .u32(Math.floor(n / 0x1_0000_0000))
      .u32(n % 0x1_0000_0000)
  }

  /** A signed integer the way Go's encodeInt writes it (non-negative ones as uints). */
  int(n: number): this {
    if (n >= 0) return this.uint(n)
    if (n >= -32) return this.byte(n & 0xff)
    if (n >= -128) return this.byte(0xd0).byte(n & 0xff)
    if (n >= -32768) return this.byte(0xd1).u16(n & 0xffff)
    if (n >= -2147483648) return this.byte(0xd2).u32(n >>> 0)
    const hi = Math.floor(n / 0x1_0000_0000)
    return this.byte(0xd3)
      .u32(hi >>> 0)
      .u32(n - hi * 0x1_0000_0000)
  }

  private strHeader(n: number): this {
    if (n < 32) return this.byte(0xa0 | n)
    if (n < 0x1_0000) return this.byte(0xda).u16(n)
    return this.byte(0xdb).u32(n)
  }

  /** A string in the str family (fixstr, str16, str32 as Go writes it). */
  string(s: string): this {
    const n = utf8Length(s)
    this.strHeader(n)
    this.ensure(n)
    if (n === s.length) {
      for (let i = 0; i < n; i++) this.buf[this.length + i] = s.charCodeAt(i)
    } else {
      this.buf.write(s, this.length, n, "utf8")
    }
    this.length += n
    return this
  }

  /** A `[]byte` field: nil when empty (Go's nil slice), else str family. */
  bytes(b: Uint8Array): this {
    if (b.length === 0) return this.nil()
    return this.strHeader(b.length).raw(b)
  }

  /** A map header. */
  map(n: number): this {
    if (n < 16) return this.byte(0x80 | n)
    if (n < 0x1_0000) return this.byte(0xde).u16(n)
    return this.byte(0xdf).u32(n)
  }

  /** An array header. */
  array(n: number): this {
    if (n < 16) return this.byte(0x90 | n)
    if (n < 0x1_0000) return this.byte(0xdc).u16(n)
    return this.byte(0xdd).u32(n)
  }
}
