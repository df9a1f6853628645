/**
 * A packet too small to ever get smaller compressed (a ping's ack) is sent
 * without the compression attempt, whose result would be thrown away: the
 * bytes are the same as with the attempt, and LZW is not run at all. A
 * larger packet's attempt, and a received packet's decompression, write into
 * buffers reused from one packet to the next instead of a new one each.
 */
import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import { Either, FastCheck as fc } from "effect"
import { compressedSizeAtLeast, compressMessage, smallestShrinkable } from "../../../src/internal/wire/compress.js"
import { encodeMessage } from "../../../src/internal/wire/messages.js"
import { decodePacket, encodePacket, wrapPacket } from "../../../src/internal/wire/packet.js"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"

const calls = vi.hoisted(() => ({
  lzwCompress: 0,
  compressBuffers: [] as Array<ArrayBufferLike>,
  decompressBuffers: [] as Array<ArrayBufferLike>
}))
vi.mock("../../../src/internal/wire/lzw.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../src/internal/wire/lzw.js")>()
  const view = (original as { lzwCompressView?: (data: Uint8Array) => Uint8Array }).lzwCompressView
  return {
    ...original,
    lzwCompress: (data: Uint8Array) => {
      calls.lzwCompress++
      const out = original.lzwCompress(data)
      calls.compressBuffers.push(out.buffer)
      return out
    },
    ...(view === undefined ? {} : {
      lzwCompressView: (data: Uint8Array) => {
        calls.lzwCompress++
        const out = view(data)
        calls.compressBuffers.push(out.buffer)
        return out
      }
    }),
    lzwDecompress: (...args: Parameters<typeof original.lzwDecompress>) => {
      const out = original.lzwDecompress(...args)
      if (Either.isRight(out)) calls.decompressBuffers.push(out.right.buffer)
      return out
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

  const alives = (name: string, count: number): ReadonlyArray<PacketMessage> =>
    Array.from({ length: count }, (_, i) => ({
      _tag: "Alive" as const,
      incarnation: i + 1,
      node: `${name}-${i % 3}`,
      address: { host: "10.0.0.1", port: 7946 + i },
      meta: Uint8Array.of(i, i, i),
      versions: [1, 5, 2, 0, 0, 0] as const
    }))
  const decoded = (bytes: Uint8Array) => {
    const d = decodePacket(bytes)
    if (Either.isLeft(d)) throw new Error(d.left.message)
    return d.right.messages
  }

  it("compression attempts reuse one buffer: no new one per packet", () => {
    calls.compressBuffers = []
    for (let i = 0; i < 5; i++) encodePacket(alives(`n${i}`, 8), { compress: true, crc: true })
    expect(calls.compressBuffers.length).toBe(5)
    expect(new Set(calls.compressBuffers).size).toBe(1)
  })

  it("decompression reuses its buffer, and what was decoded from it stays intact", () => {
    const first = alives("first", 8)
    const second = alives("second", 6)
    calls.decompressBuffers = []
    const a = decoded(encodePacket(first, { compress: true, crc: true }))
    const b = decoded(encodePacket(second, { compress: true, crc: true }))
    expect(calls.decompressBuffers.length).toBe(2)
    expect(new Set(calls.decompressBuffers).size).toBe(1)
    expect(a).toStrictEqual(first)
    expect(b).toStrictEqual(second)
  })

  it("a compress inside a compound inside a compress decodes whole", () => {
    const inner = wrapPacket(encodePacket(alives("inner", 5)), { compress: true })
    const outerMessages = alives("outer", 4)
    // A compound of the inner compress message and the outer alives, compressed again.
    const parts = [inner, ...outerMessages.map((m) => encodePacket([m]))]
    const compound = new Uint8Array(2 + parts.length * 2 + parts.reduce((n, p) => n + p.length, 0))
    compound[0] = 7
    compound[1] = parts.length
    let at = 2
    for (const p of parts) {
      compound[at++] = p.length >> 8
      compound[at++] = p.length & 0xff
    }
    for (const p of parts) {
      compound.set(p, at)
      at += p.length
    }
    const packet = wrapPacket(compound, { compress: true, crc: true })
    expect(packet[5]).toBe(9)
    expect(decoded(packet)).toStrictEqual([...alives("inner", 5), ...outerMessages])
  })

  it("the decompression budget holds with a reused buffer larger than it", () => {
    const big = encodePacket(alives("big", 40), { compress: true })
    expect(big[0]).toBe(9)
    decoded(big)
    const limited = decodePacket(big, { maxDecompressed: 100 })
    expect(Either.isLeft(limited) && limited.left.reason).toBe("Oversized")
  })
})
