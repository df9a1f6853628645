/**
 * LZW exactly as Go's `compress/lzw` speaks it with `lzw.LSB` and a literal
 * width of 8 - the only configuration memberlist uses (`util.go`,
 * `compressPayload` / `decompressBuffer`).
 *
 * The stream: codes packed least-significant-bit first, 9 bits wide at the
 * start, 256 = clear, 257 = end of data, dictionary codes from 258. The width
 * grows by one bit as soon as the *next* code to be assigned needs it (the
 * "early change": the code that makes the dictionary reach 512 entries is
 * followed by 10-bit codes). Go's writer never assigns code 4095: when its
 * dictionary would reach it, it emits a clear code (still 12 bits wide) and
 * starts over at 9 bits. Its reader also accepts a stream that lets the
 * dictionary fill up without a clear (it then stops adding entries), needs no
 * leading clear, ignores everything after the end code, and fails when the
 * data ends before an end code. We do the same, so we accept what Go accepts.
 *
 * @internal
 */
import { Either } from "effect"
import { type DecodeError, decodeError } from "./errors.js"

const CLEAR = 256
const EOF = 257
const FIRST_ENTRY = 258
const MIN_WIDTH = 9
const MAX_WIDTH = 12
/** Go's writer resets here rather than assign this code. */
const WRITER_LIMIT = (1 << MAX_WIDTH) - 1

// The encoder's dictionary: open addressing over (prefix code << 8 | byte),
// 20 bits, stored as key << 12 | code; 0 is a free slot (no entry is 0: its
// code is at least 258). A reset frees only the slots this dictionary used,
// listed as they are taken (at most one per code), so a small packet does
// not clear 64 KiB, and a lookup reads one array, not a slot and its stamp.
// Module-level because `lzwCompress` is synchronous and never re-entered,
// so no two calls can see the table at once.
const SLOTS = 1 << 14
const SLOT_MASK = SLOTS - 1
const slotEntries = new Int32Array(SLOTS)
const usedSlots = new Uint16Array(1 << MAX_WIDTH)
let usedCount = 0

/** Frees every slot the dictionary took since the last reset. */
const resetDictionary = (): void => {
  for (let i = 0; i < usedCount; i++) slotEntries[usedSlots[i]!] = 0
  usedCount = 0
}

// The decoder's dictionary, shared for the same reason. A code's string is
// always somewhere in this call's output already: each entry is the previous
// code's string plus the first byte of the one after it, and those two sit
// side by side in the output. So an entry is kept as where that run starts
// and how long it is, and decoding a code copies bytes forward from earlier
// output, instead of walking a prefix chain back to front a byte at a time.
// No reset between calls: a code is only read after this call has defined
// it (codes 258 up to the next one to assign, each defined as the code after
// it arrives), so no entry points into another call's output.
const entryStart = new Int32Array(1 << MAX_WIDTH)
const entryLength = new Uint16Array(1 << MAX_WIDTH)
/** Shorter copies are a loop: a native call costs more than it saves on a few bytes. */
const COPY_WITHIN_FROM = 24

/**
 * Compresses `data` into the exact bytes Go's `lzw.NewWriter(w, lzw.LSB, 8)`
 * writes for one `Write(data)` followed by `Close()`.
 */
export const lzwCompress = (data: Uint8Array): Uint8Array => lzwCompressView(data).slice()

/**
 * A buffer to write into, reused while big enough. A typed array of more than 64 bytes keeps its bytes
 * outside V8's heap, and making one costs about 1 us on this project's machines, as much as compressing a
 * small packet.
 */
export class Scratch {
  private buffer = new Uint8Array(0)
  /** Keeps buffers up to this size; a larger need gets a buffer of its own each time. */
  constructor(private readonly keepUpTo: number) {}
  /** A buffer of at least `size` bytes; its contents are undefined. */
  get(size: number): Uint8Array {
    if (size <= this.buffer.length) return this.buffer
    if (size > this.keepUpTo) return new Uint8Array(size)
    this.buffer = new Uint8Array(Math.min(this.keepUpTo, Math.max(size, this.buffer.length * 2, 256)))
    return this.buffer
  }
}

/**
 * Kept up to 128 KiB, a datagram's worst case (~98 KiB for 64 KiB in); a larger input (a push/pull state)
 * gets a buffer of its own each time, so the kept one never outgrows that.
 */
const compressScratch = new Scratch(1 << 17)

/**
 * `lzwCompress`, written into a buffer kept for the next call: the result is
 * a view that the next call overwrites. For a caller that looks at the
 * result at once and copies what it keeps (a packet's compression attempt,
 * thrown away when it is no smaller).
 */
export const lzwCompressView = (data: Uint8Array): Uint8Array => lzwCompressInto(data, compressScratch)

const lzwCompressInto = (data: Uint8Array, scratch: Scratch): Uint8Array => {
  const n = data.length
  // Every input byte costs at most one code, plus a clear per 3837 codes and
  // the leading clear, last code and end code; 12 bits each at most.
  const maxCodes = n + Math.ceil(n / (WRITER_LIMIT - FIRST_ENTRY)) + 3
  const size = Math.ceil((maxCodes * MAX_WIDTH) / 8) + 1
  const out = scratch.get(size)
  // The bit writer is written out at each use: a shared closure would move
  // these locals into a heap context and halve the speed.
  let pos = 0
  let bits = CLEAR // Go opens every stream with a clear code, empty or not.
  let nBits = MIN_WIDTH
  let width = MIN_WIDTH
  let hi = EOF
  let overflow = 1 << MIN_WIDTH
  resetDictionary()

  if (n > 0) {
    let code = data[0]!
    for (let i = 1; i < n; i++) {
      const byte = data[i]!
      const key = (code << 8) | byte
      let slot = ((key >>> 12) ^ key) & SLOT_MASK
      let found = -1
      for (let entry = slotEntries[slot]!; entry !== 0; entry = slotEntries[slot]!) {
        if (entry >>> 12 === key) {
          found = entry & 0xfff
          break
        }
        slot = (slot + 1) & SLOT_MASK
      }
      if (found >= 0) {
        code = found
        continue
      }
      bits |= code << nBits
      nBits += width
      while (nBits >= 8) {
        out[pos++] = bits
        bits >>>= 8
        nBits -= 8
      }
      code = byte
      if (++hi === overflow) {
        width++
        overflow <<= 1
      }
      if (hi === WRITER_LIMIT) {
        bits |= CLEAR << nBits
        nBits += width
        while (nBits >= 8) {
          out[pos++] = bits
          bits >>>= 8
          nBits -= 8
        }
        width = MIN_WIDTH
        hi = EOF
        overflow = 1 << MIN_WIDTH
        resetDictionary()
        continue
      }
      // `slot` is the first free slot of the probe sequence for `key`.
      slotEntries[slot] = (key << 12) | hi
      usedSlots[usedCount++] = slot
    }
    // Close: the pending code, and a clear if that fills the dictionary.
    bits |= code << nBits
    nBits += width
    if (++hi === overflow) width++
    if (hi === WRITER_LIMIT) {
      while (nBits >= 8) {
        out[pos++] = bits
        bits >>>= 8
        nBits -= 8
      }
      bits |= CLEAR << nBits
      nBits += width
      width = MIN_WIDTH
    }
  }
  while (nBits >= 8) {
    out[pos++] = bits
    bits >>>= 8
    nBits -= 8
  }
  bits |= EOF << nBits
  nBits += width
  while (nBits > 0) {
    out[pos++] = bits
    bits >>>= 8
    nBits -= 8
  }
  return out.subarray(0, pos)
}

/**
 * Decompresses a Go `compress/lzw` (LSB, 8-bit literals) stream. Fails with
 * `BadCompression` where Go's reader returns an error (an undefined code, or
 * data that ends before the end code) and with `Oversized` as soon as the
 * output would exceed `maxOutput` bytes; it never allocates beyond that bound.
 * With `scratch` the output starts in the scratch's buffer: the result may
 * then be a view of it, valid until the scratch's next use.
 */
export const lzwDecompress = (
  data: Uint8Array,
  maxOutput: number,
  scratch?: Scratch
): Either.Either<Uint8Array, DecodeError> => {
  // NaN or a negative bound allows nothing; Infinity stays unbounded.
  const limit = maxOutput > 0 ? Math.floor(maxOutput) : 0
  // LZW rarely expands more than ~8x on real packets; grow by doubling beyond.
  const first = Math.min(limit, Math.max(64, data.length * 4))
  let out: Uint8Array = scratch === undefined ? new Uint8Array(first) : scratch.get(first)
  // The bound is checked only when the output reaches the buffer's end: a larger scratch is cut to it.
  if (out.length > limit) out = out.subarray(0, limit)
  let pos = 0
  let inPos = 0
  let bits = 0
  let nBits = 0
  let width = MIN_WIDTH
  let hi = EOF
  let overflow = 1 << MIN_WIDTH
  let last = -1
  // Where the previous code's string was written, and its length.
  let lastStart = 0
  let lastLength = 0

  for (;;) {
    while (nBits < width) {
      if (inPos >= data.length) {
        return Either.left(decodeError("BadCompression", "LZW data ends before the end code"))
      }
      bits |= data[inPos++]! << nBits
      nBits += 8
    }
    const code = bits & ((1 << width) - 1)
    bits >>>= width
    nBits -= width

    if (code === CLEAR) {
      width = MIN_WIDTH
      hi = EOF
      overflow = 1 << MIN_WIDTH
      last = -1
      continue
    }
    if (code === EOF) break

    const start = pos
    if (code < CLEAR) {
      if (pos >= out.length) {
        if (pos >= limit) return oversized(limit)
        out = grow(out, pos, pos + 1, limit, scratch)
      }
      out[pos++] = code
    } else if (code <= hi) {
      // `code === hi` with a previous code is the one string not yet in the
      // dictionary (the "KwKwK" case): last's string plus its own first byte,
      // which a forward copy of one byte more than last's string makes, as
      // that string ends right where this one starts.
      const pending = code === hi && last >= 0
      const from = pending ? lastStart : entryStart[code]!
      const total = pending ? lastLength + 1 : entryLength[code]!
      if (pos + total > out.length) {
        if (pos + total > limit) return oversized(limit)
        out = grow(out, pos, pos + total, limit, scratch)
      }
      if (total >= COPY_WITHIN_FROM && !pending) out.copyWithin(pos, from, from + total)
      else for (let i = 0; i < total; i++) out[pos + i] = out[from + i]!
      pos += total
    } else {
      return Either.left(decodeError("BadCompression", `invalid LZW code ${code}`))
    }
    if (last >= 0) {
      // The new entry: last's string and this one's first byte, side by side in the output.
      entryStart[hi] = lastStart
      entryLength[hi] = lastLength + 1
    }

    last = code
    lastStart = start
    lastLength = pos - start
    hi++
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        // Dictionary full and no clear code: stop adding entries, as Go does.
        last = -1
        hi--
      } else {
        width++
        overflow <<= 1
      }
    }
  }
  return Either.right(out.subarray(0, pos))
}

/**
 * A bigger output buffer holding the first `used` bytes: doubled, at least `need`, at most `limit`; taken
 * from `scratch` when given, so that the next output of that size needs no growing.
 */
const grow = (out: Uint8Array, used: number, need: number, limit: number, scratch: Scratch | undefined): Uint8Array => {
  let size = Math.max(1, out.length * 2)
  while (size < need) size *= 2
  size = Math.min(limit, size)
  // A scratch hands out a buffer larger than `out` here (`out` is its buffer, cut to at most `limit`, or a
  // buffer of its own that the scratch did not keep), never `out` itself.
  const grown = scratch === undefined ? new Uint8Array(size) : scratch.get(size)
  grown.set(out.subarray(0, used))
  return grown
}

const oversized = (limit: number): Either.Either<Uint8Array, DecodeError> =>
  Either.left(decodeError("Oversized", `LZW output exceeds ${limit} bytes`))
