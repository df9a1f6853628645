import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { lzwCompress, lzwDecompress } from "../../../src/internal/wire/lzw.js"
import { fixtureFile, hex, manifest } from "./securityFixtures.js"
import { okBytes, oracleBatch } from "./securityOracle.js"
import { packCodes } from "../../support/lzwCodes.js"

const BIG = 1 << 24

/** Packs codes LSB-first at the given widths, to hand-craft streams. */
const pack = packCodes

const decodedBytes = (data: Uint8Array, max = BIG): Uint8Array => {
  const result = lzwDecompress(data, max)
  if (Either.isLeft(result)) throw new Error(`${result.left.reason}: ${result.left.message}`)
  return result.right
}

const reasonOf = (data: Uint8Array, max = BIG): string | undefined =>
  Either.match(lzwDecompress(data, max), { onLeft: (e) => e.reason, onRight: () => undefined })

describe("lzw: Go's compress/lzw fixtures", () => {
  it("has fixtures, including a table reset and a 64 KiB input", () => {
    expect(manifest.lzw.map((f) => f.name)).toEqual(expect.arrayContaining(["empty", "one-byte", "random-8192-resets", "lcg-3949-reset-on-close", "text-65536"]))
  })

  for (const f of manifest.lzw) {
    it(`${f.name}: compresses to Go's bytes and decompresses Go's bytes`, () => {
      const input = fixtureFile(f.input)
      const goBytes = fixtureFile(f.output)
      expect(hex(lzwCompress(input))).toBe(hex(goBytes))
      expect(decodedBytes(goBytes)).toEqual(input)
    })

    it(`${f.name}: memberlist's compressPayload wraps exactly these LZW bytes`, () => {
      const payload = fixtureFile(f.payload)
      const ours = lzwCompress(fixtureFile(f.input))
      // type byte 9, then msgpack {Algo, Buf}: Buf is the last field, so it ends the message.
      expect(payload[0]).toBe(9)
      expect(hex(payload.subarray(payload.length - ours.length))).toBe(hex(ours))
    })
  }
})

describe("lzw: bounds and corrupt input", () => {
  const text = fixtureFile("lzw/text-65536.lzw")

  it("fails with Oversized past maxOutput, and succeeds exactly at it", () => {
    expect(reasonOf(text, 65535)).toBe("Oversized")
    expect(decodedBytes(text, 65536).length).toBe(65536)
    expect(reasonOf(fixtureFile("lzw/one-byte.lzw"), 0)).toBe("Oversized")
    expect(decodedBytes(fixtureFile("lzw/empty.lzw"), 0).length).toBe(0)
  })

  it("a highly repetitive stream cannot make it allocate past maxOutput", () => {
    // 10000 'a' compress to 161 bytes; a 1000-byte bound stops it early.
    expect(reasonOf(fixtureFile("lzw/run-a-10000.lzw"), 1000)).toBe("Oversized")
  })

  it("rejects empty input and a stream cut before the end code (Go: unexpected EOF)", () => {
    expect(reasonOf(new Uint8Array(0))).toBe("BadCompression")
    for (let cut = 1; cut < 40; cut++) {
      expect(reasonOf(text.subarray(0, text.length - cut))).toBe("BadCompression")
    }
    expect(reasonOf(pack([[256, 9], [65, 9]]))).toBe("BadCompression")
  })

  it("rejects a code not yet in the dictionary", () => {
    expect(reasonOf(pack([[256, 9], [300, 9], [257, 9]]))).toBe("BadCompression")
    // 258 is only valid once a previous code exists (the KwKwK case).
    expect(reasonOf(pack([[256, 9], [258, 9], [257, 9]]))).toBe("BadCompression")
    expect(reasonOf(pack([[256, 9], [65, 9], [259, 9], [257, 9]]))).toBe("BadCompression")
  })

  it("accepts what Go's reader accepts: no leading clear, KwKwK, bytes after the end code", () => {
    expect(decodedBytes(pack([[65, 9], [66, 9], [257, 9]]))).toEqual(new Uint8Array([65, 66]))
    expect(decodedBytes(pack([[256, 9], [65, 9], [258, 9], [257, 9]]))).toEqual(new Uint8Array([65, 65, 65]))
    const trailing = new Uint8Array([...pack([[256, 9], [67, 9], [257, 9]]), 0xff, 0xff])
    expect(decodedBytes(trailing)).toEqual(new Uint8Array([67]))
  })

  it("never throws on random or mutated input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), (noise, seed) => {
        const base = fixtureFile("lzw/text-1400.lzw").slice()
        base[seed % base.length] = base[seed % base.length]! ^ 1 << (seed % 8)
        for (const data of [noise, base]) {
          const result = lzwDecompress(data, 1 << 16)
          if (Either.isLeft(result)) expect(["BadCompression", "Oversized"]).toContain(result.left.reason)
        }
      }),
      { numRuns: 500 }
    )
  })
})

describe("lzw: properties", () => {
  it.prop("round-trips any bytes", [fc.uint8Array({ maxLength: 6000 })], ([data]) => {
    expect(decodedBytes(lzwCompress(data))).toEqual(data)
  })

  it.prop(
    "round-trips low-entropy data with long matches and table resets",
    [fc.array(fc.constantFrom(0, 1, 2, 255), { minLength: 5000, maxLength: 30000 })],
    ([symbols]) => {
      const data = new Uint8Array(symbols)
      expect(decodedBytes(lzwCompress(data))).toEqual(data)
    },
    { fastCheck: { numRuns: 30 } }
  )
})

describe("lzw: against Go through the oracle", () => {
  it("our output equals Go's byte for byte, for every prefix across the table-reset boundary", () => {
    // Random bytes rarely match, so about one code per byte: prefixes from
    // 3700 to 4300 bytes make the dictionary reach 4095 at every point,
    // including on Close.
    const random = new Uint8Array(4300)
    for (let i = 0, x = 12345; i < random.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      random[i] = x >>> 24
    }
    const inputs: Array<Uint8Array> = []
    for (let n = 3700; n <= 4300; n++) inputs.push(random.subarray(0, n))
    fc.sample(fc.uint8Array({ maxLength: 3000 }), { numRuns: 100, seed: 7 }).forEach((d) => inputs.push(d))
    fc.sample(fc.array(fc.constantFrom(97, 98), { maxLength: 20000 }), { numRuns: 30, seed: 8 })
      .forEach((d) => inputs.push(new Uint8Array(d)))
    const results = oracleBatch(inputs.map((data) => ({ op: "lzw-compress", data })))
    inputs.forEach((input, i) => {
      expect(hex(lzwCompress(input)), `input ${i} (${input.length} bytes)`).toBe(hex(okBytes(results[i])))
    })
  })

  it("Go decompresses our output", () => {
    const inputs = fc.sample(fc.uint8Array({ maxLength: 9000 }), { numRuns: 50, seed: 9 })
    const results = oracleBatch(inputs.map((d) => ({ op: "lzw-decompress", data: lzwCompress(d) })))
    inputs.forEach((input, i) => expect(okBytes(results[i])).toEqual(input))
  })

  it("accepts and rejects exactly what Go's reader does, on mutated and hand-made streams", () => {
    const base = fixtureFile("lzw/text-1400.lzw")
    const cases: Array<Uint8Array> = []
    for (let i = 0; i < 400; i++) {
      const m = base.slice()
      m[(i * 7919) % m.length] = m[(i * 7919) % m.length]! ^ 1 << (i % 8)
      if (i % 3 === 0) m[(i * 104729) % m.length] = m[(i * 104729) % m.length]! ^ 0x5a
      cases.push(i % 5 === 0 ? m.subarray(0, m.length - (i % 17)) : m)
    }
    // A stream that fills the dictionary without a clear code: Go stops adding
    // entries at 4096 and keeps decoding at 12 bits.
    const fill: Array<readonly [number, number]> = []
    let hi = 257
    let width = 9
    for (let i = 0; i < 4200; i++) {
      fill.push([i % 5 === 0 && hi > 300 ? 300 : 65 + (i % 3), width])
      if (++hi >= 1 << width && width < 12) width++
    }
    fill.push([4095, 12], [4094, 12], [257, 12])
    cases.push(pack(fill))
    cases.push(pack([[65, 9], [66, 9], [257, 9]]), pack([[256, 9], [258, 9], [257, 9]]))
    const results = oracleBatch(cases.map((data) => ({ op: "lzw-decompress", data })))
    let rejected = 0
    cases.forEach((data, i) => {
      const go = results[i]!
      const ours = lzwDecompress(data, BIG)
      expect(Either.isRight(ours), `case ${i}: Go says ${go.ok ? "ok" : go.error}`).toBe(go.ok)
      if (go.ok && Either.isRight(ours)) expect(hex(ours.right)).toBe(hex(go.out))
      if (!go.ok) rejected++
    })
    // Both outcomes must be exercised for the comparison to mean anything.
    expect(rejected).toBeGreaterThan(10)
    expect(rejected).toBeLessThan(cases.length - 10)
  })
})
