/**
 * A packet too small to ever get smaller compressed (a ping's ack) is sent
 * without the compression attempt, whose result would be thrown away: the
 * bytes are the same as with the attempt, and LZW is not run at all.
 */
import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import { FastCheck as fc } from "effect"
import { compressedSizeAtLeast, compressMessage, smallestShrinkable } from "../../../src/internal/wire/compress.js"
import { encodeMessage } from "../../../src/internal/wire/messages.js"
import { encodePacket, wrapPacket } from "../../../src/internal/wire/packet.js"

const calls = vi.hoisted(() => ({ lzwCompress: 0 }))
vi.mock("../../../src/internal/wire/lzw.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../src/internal/wire/lzw.js")>()
  return {
    ...original,
    lzwCompress: (data: Uint8Array) => {
      calls.lzwCompress++
      return original.lzwCompress(data)
    }
  }
})

/** What a packet was before the cut: compress, keep only when smaller, then the CRC frame. */
const attempted = (payload: Uint8Array): Uint8Array => {
  const c = compressMessage(payload)
  return wrapPacket(c.length < payload.length ? c : payload, { crc: true })
}

describe("compression of small packets", () => {
  it("the bound holds: no payload compresses below compressedSizeAtLeast", () => {
    // A run of one byte is LZW's best case (codes of 1, 2, 3... bytes): there the bound is exact.
    for (let n = 0; n <= 300; n++) {
      expect(compressMessage(new Uint8Array(n).fill(0x41)).length).toBe(compressedSizeAtLeast(n))
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), (bytes) => {
        expect(compressMessage(bytes).length).toBeGreaterThanOrEqual(compressedSizeAtLeast(bytes.length))
      }),
      { numRuns: 500 }
    )
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 40 }), (unit, times) => {
        const bytes = new Uint8Array(unit.length * times)
        for (let i = 0; i < times; i++) bytes.set(unit, i * unit.length)
        expect(compressMessage(bytes).length).toBeGreaterThanOrEqual(compressedSizeAtLeast(bytes.length))
      }),
      { numRuns: 300 }
    )
  })

  it("below smallestShrinkable nothing shrinks, at it a run of one byte does", () => {
    expect(smallestShrinkable).toBe(25)
    for (let n = 0; n < smallestShrinkable; n++) expect(compressedSizeAtLeast(n)).toBeGreaterThanOrEqual(n)
    expect(compressMessage(new Uint8Array(smallestShrinkable).fill(0)).length).toBeLessThan(smallestShrinkable)
  })

  it("the bytes sent are those of the attempt, for every size", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.boolean(), (bytes, run) => {
        const payload = run ? new Uint8Array(bytes.length).fill(bytes[0]!) : bytes
        expect(wrapPacket(payload, { compress: true, crc: true })).toStrictEqual(attempted(payload))
      }),
      { numRuns: 1000 }
    )
  })

  it("a ping's ack is sent without running LZW; a ping still tries it", () => {
    const ack = { _tag: "Ack" as const, seqNo: 0xffff_ffff, payload: new Uint8Array(0) }
    expect(encodeMessage(ack).length).toBeLessThan(smallestShrinkable)
    const expected = attempted(encodeMessage(ack))
    calls.lzwCompress = 0
    expect(encodePacket([ack], { compress: true, crc: true })).toStrictEqual(expected)
    expect(calls.lzwCompress).toBe(0)
    const ping = {
      _tag: "Ping" as const,
      seqNo: 7,
      node: "member-0001",
      source: { address: { host: "127.0.0.1", port: 7946 }, node: "member-0002" }
    }
    encodePacket([ping], { compress: true, crc: true })
    expect(calls.lzwCompress).toBe(1)
  })
})
