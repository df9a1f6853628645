/**
 * Hand-made LZW streams for the decoder's tests: codes packed least-significant
 * bit first, each at the width the reader expects at that point.
 */

/** Packs `[code, width]` pairs LSB-first into bytes. */
export const packCodes = (codes: ReadonlyArray<readonly [code: number, width: number]>): Uint8Array => {
  const out: Array<number> = []
  let bits = 0
  let nBits = 0
  for (const [code, width] of codes) {
    bits |= code << nBits
    nBits += width
    while (nBits >= 8) {
      out.push(bits & 0xff)
      bits >>>= 8
      nBits -= 8
    }
  }
  if (nBits > 0) out.push(bits & 0xff)
  return new Uint8Array(out)
}
