import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { addCrc, checkCrc, crc32, crc32Portable } from "../../../src/internal/wire/crc32.js"
import { hex, manifest, unhex } from "./securityFixtures.js"
import { okBytes, oracleBatch } from "./securityOracle.js"

const reasonOf = (packet: Uint8Array): string | undefined =>
  Either.match(checkCrc(packet), { onLeft: (e) => e.reason, onRight: () => undefined })

describe("crc32", () => {
  it("matches the IEEE check values", () => {
    const ascii = new TextEncoder().encode("123456789")
    expect(crc32(ascii)).toBe(0xcbf43926)
    expect(crc32Portable(ascii)).toBe(0xcbf43926)
    expect(crc32Portable(new Uint8Array(0))).toBe(0)
    expect(crc32Portable(new TextEncoder().encode("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339)
  })

  it.prop("the portable table and the native one agree, at every alignment", [fc.uint8Array({ maxLength: 300 }), fc.nat(16)], ([data, offset]) => {
    const view = data.subarray(Math.min(offset, data.length))
    expect(crc32Portable(view)).toBe(crc32(view))
  })

  for (const f of manifest.crc) {
    it(`${f.name}: frames like memberlist and checks Go's frame`, () => {
      expect(hex(addCrc(unhex(f.payload)))).toBe(f.packet)
      expect(checkCrc(unhex(f.packet))).toEqual(Either.right(unhex(f.payload)))
    })
  }
})

describe("hasCrc framing", () => {
  it.prop("round-trips, and any single flipped bit is caught", [fc.uint8Array({ maxLength: 1400 }), fc.nat()], ([payload, n]) => {
    const packet = addCrc(payload)
    expect(packet[0]).toBe(12)
    expect(checkCrc(packet)).toEqual(Either.right(payload))
    const bit = n % ((packet.length - 1) * 8)
    const flipped = packet.slice()
    flipped[1 + (bit >> 3)] = flipped[1 + (bit >> 3)]! ^ 1 << (bit & 7)
    expect(reasonOf(flipped)).toBe("BadChecksum")
  })

  it("rejects short frames and other type bytes without throwing", () => {
    expect(reasonOf(new Uint8Array([12, 0, 0, 0]))).toBe("Truncated")
    expect(reasonOf(new Uint8Array([12]))).toBe("Truncated")
    expect(reasonOf(new Uint8Array(0))).toBe("Malformed")
    expect(reasonOf(new Uint8Array([7, 0, 0, 0, 0]))).toBe("Malformed")
    // An empty payload has CRC 0.
    expect(checkCrc(new Uint8Array([12, 0, 0, 0, 0]))).toEqual(Either.right(new Uint8Array(0)))
  })
})

describe("hasCrc framing against Go", () => {
  it("Go accepts our frames and rejects corrupted ones", () => {
    const payloads = fc.sample(fc.uint8Array({ maxLength: 1400 }), { numRuns: 50, seed: 3 })
    const frames = payloads.map(addCrc)
    const corrupted = frames.filter((f) => f.length > 5).map((f) => {
      const c = f.slice()
      c[c.length - 1] = c[c.length - 1]! ^ 0x80
      return c
    })
    const results = oracleBatch([...frames, ...corrupted].map((data) => ({ op: "crc-check", data })))
    payloads.forEach((p, i) => expect(okBytes(results[i])).toEqual(p))
    corrupted.forEach((_, i) => expect(results[frames.length + i]?.ok).toBe(false))
  })
})
