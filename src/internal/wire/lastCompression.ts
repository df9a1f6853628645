/**
 * The last datagram payload that went through the compression attempt, and what LZW made of it.
 *
 * A gossip round sends one compound to each of its targets (three on lan), and the targets usually read
 * the same broadcasts, so the same bytes are compressed up to three times in a row; a process holding many
 * members (the side-by-side bench, tests) sends the same compound from member after member. LZW is a
 * function of the bytes alone, so a payload equal to the last one gets the last one's LZW back instead of
 * running it again (in the lan 100 join phase, 41% of the attempts). Equality is checked byte for byte:
 * a comparison costs about a tenth of a compression, and a different payload usually differs in its length
 * or first bytes.
 *
 * Bound: one entry, replaced by every attempt that misses; payloads over `MAX_REMEMBERED` bytes are not
 * remembered (a datagram is at most 64 KiB). `reused` counts the attempts it saved.
 *
 * @internal
 */

/** The largest payload remembered: the largest datagram. */
export const MAX_REMEMBERED = 0xffff

/** `lzwLength` of an attempt that did not shrink its payload: the payload is sent as it is. */
export const NOT_SMALLER = -1

export class LastCompression {
  private input = new Uint8Array(0)
  private inputLength = -1
  private lzw = new Uint8Array(0)
  private lzwLength = NOT_SMALLER
  /** Compression attempts answered from the remembered one. */
  reused = 0

  /**
   * The remembered LZW of `payload` when `payload` is the last payload remembered (a view, valid until the
   * next `remember`), `NOT_SMALLER` when that attempt did not shrink it, `undefined` when it is another payload.
   */
  lookup(payload: Uint8Array): Uint8Array | typeof NOT_SMALLER | undefined {
    const n = payload.length
    if (n !== this.inputLength) return undefined
    const input = this.input
    for (let i = 0; i < n; i++) if (input[i] !== payload[i]) return undefined
    this.reused++
    return this.lzwLength === NOT_SMALLER ? NOT_SMALLER : this.lzw.subarray(0, this.lzwLength)
  }

  /** Remembers `payload` and its LZW (`undefined`: the attempt did not shrink it), both copied. */
  remember(payload: Uint8Array, lzw: Uint8Array | undefined): void {
    if (payload.length > MAX_REMEMBERED) {
      this.inputLength = -1
      return
    }
    if (this.input.length < payload.length) this.input = new Uint8Array(grownSize(this.input.length, payload.length))
    this.input.set(payload)
    this.inputLength = payload.length
    if (lzw === undefined) {
      this.lzwLength = NOT_SMALLER
      return
    }
    if (this.lzw.length < lzw.length) this.lzw = new Uint8Array(grownSize(this.lzw.length, lzw.length))
    this.lzw.set(lzw)
    this.lzwLength = lzw.length
  }
}

/** Doubling from 256, so that a run of growing payloads allocates a few times, not each time. */
const grownSize = (current: number, need: number): number => {
  let size = Math.max(256, current * 2)
  while (size < need) size *= 2
  return size
}
