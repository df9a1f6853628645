/**
 * A packet's CRC frame is cut from Node's shared buffer pool instead of a
 * backing store of its own per packet, and is still exactly memberlist's
 * frame: type 12, the CRC big-endian, the payload.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { addCrc, checkCrc, crc32 } from "../../../src/internal/wire/crc32.js"
import { uninitializedBytes } from "../../../src/internal/wire/pooledBytes.js"

describe("pooled packet bytes", () => {
  it("CRC frames of packets share pooled memory: no backing store per packet", () => {
    const frames = Array.from({ length: 10 }, (_, i) => addCrc(new Uint8Array(100 + i).fill(i)))
    expect(new Set(frames.map((f) => f.buffer)).size).toBeLessThan(3)
    for (const f of frames) expect(f.constructor).toBe(Uint8Array)
  })

  it("the frame is type 12, the CRC big-endian and the payload, whatever the pool held", () => {
    // Dirty the pool first: the frame must not depend on what was there.
    uninitializedBytes(4000).fill(0xee)
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2000 }), (payload) => {
        const framed = addCrc(payload)
        const crc = crc32(payload)
        expect(framed.length).toBe(payload.length + 5)
        expect(Array.from(framed.subarray(0, 5))).toStrictEqual([12, crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff])
        expect(framed.subarray(5)).toStrictEqual(payload)
        const checked = checkCrc(framed)
        expect(Either.isRight(checked) && checked.right).toStrictEqual(payload)
      }),
      { numRuns: 300 }
    )
  })
})
