import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { checkCrc } from "../../../src/internal/wire/crc32.js"
import { decryptPayload } from "../../../src/internal/wire/encryption.js"
import {
  addLabelHeader,
  encodeLabel,
  labelHeaderSize,
  labelOverhead,
  removeLabelHeader
} from "../../../src/internal/wire/label.js"
import { manifest, unhex } from "./securityFixtures.js"
import { oracleBatch } from "./securityOracle.js"

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const reasonOf = (e: Either.Either<unknown, { reason: string }>): string | undefined =>
  Either.match(e, { onLeft: (x) => x.reason, onRight: () => undefined })

/** Labels of 1..255 UTF-8 bytes. */
const labelArb = fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }).filter((s) => {
  const n = enc(s).length
  return n >= 1 && n <= 255
})

describe("label header (upstream memberlist label.go)", () => {
  it("an empty label adds nothing", () => {
    const packet = new Uint8Array([1, 2, 3])
    expect(addLabelHeader("", packet)).toBe(packet)
    expect(labelOverhead("")).toBe(0)
  })

  it("layout: 244, length, label bytes, then the packet", () => {
    expect([...addLabelHeader("ab", new Uint8Array([9]))]).toEqual([244, 2, 97, 98, 9])
    expect(labelOverhead("名前")).toBe(8)
    expect([...addLabelHeader("x", new Uint8Array(0))]).toEqual([244, 1, 120])
  })

  it.prop("round-trips, and the rest is a view of the packet", [labelArb, fc.uint8Array({ maxLength: 200 })], ([label, packet]) => {
    const framed = addLabelHeader(label, packet)
    expect(framed.length).toBe(packet.length + labelOverhead(label))
    const result = removeLabelHeader(framed)
    expect(result).toEqual(Either.right({ label, rest: packet }))
    expect(labelHeaderSize(framed)).toEqual(Either.right(labelOverhead(label)))
  })

  it("a packet without a header comes back whole with an empty label", () => {
    for (const packet of [new Uint8Array(0), new Uint8Array([0, 1]), new Uint8Array([12, 1, 2, 3, 4])]) {
      expect(removeLabelHeader(packet)).toEqual(Either.right({ label: "", rest: packet }))
      expect(labelHeaderSize(packet)).toEqual(Either.right(0))
    }
  })

  it("limits labels to 255 UTF-8 bytes", () => {
    expect(Either.isRight(encodeLabel("L".repeat(255)))).toBe(true)
    expect(reasonOf(encodeLabel("L".repeat(256)))).toBe("Oversized")
    expect(reasonOf(encodeLabel("é".repeat(128)))).toBe("Oversized")
    expect(() => addLabelHeader("L".repeat(256), new Uint8Array(0))).toThrow(RangeError)
  })

  it("rejects truncated, empty and non-UTF-8 headers without throwing", () => {
    expect(reasonOf(removeLabelHeader(new Uint8Array([244])))).toBe("Truncated")
    expect(reasonOf(removeLabelHeader(new Uint8Array([244, 3, 97, 98])))).toBe("Truncated")
    expect(reasonOf(removeLabelHeader(new Uint8Array([244, 0, 1, 2])))).toBe("BadLabel")
    expect(reasonOf(removeLabelHeader(new Uint8Array([244, 2, 0xc3, 0x28])))).toBe("BadLabel")
    expect(reasonOf(labelHeaderSize(new Uint8Array([244])))).toBe("Truncated")
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (noise) => {
        const data = new Uint8Array([244, ...noise])
        const r = removeLabelHeader(data)
        if (Either.isLeft(r)) expect(["Truncated", "BadLabel"]).toContain(r.left.reason)
      })
    )
  })
})

describe("labelled packets from Go (upstream layout)", () => {
  for (const f of manifest.packets) {
    it(`${f.name}: header off, decrypt with the label as additional data, CRC off`, () => {
      const removed = removeLabelHeader(unhex(f.packet))
      if (Either.isLeft(removed)) throw new Error(removed.left.message)
      expect(removed.right.label).toBe(f.label)
      const label = enc(removed.right.label)
      const plain = Either.flatMap(decryptPayload([unhex(f.key)], removed.right.rest, label), checkCrc)
      expect(plain).toEqual(Either.right(unhex(f.plaintext)))
      // A receiver configured with another label cannot open it.
      expect(reasonOf(decryptPayload([unhex(f.key)], removed.right.rest, enc(f.label + "!")))).toBe("DecryptFailed")
    })
  }
})

describe("label header against the oracle's upstream-layout reader", () => {
  it("reads the same label and rest from our headers", () => {
    const cases = fc.sample(fc.tuple(labelArb, fc.uint8Array({ maxLength: 100 })), { numRuns: 50, seed: 21 })
    const results = oracleBatch(cases.map(([label, packet]) => ({ op: "remove-label", data: addLabelHeader(label, packet) })))
    cases.forEach(([label, packet], i) => {
      const r = results[i]!
      if (!r.ok) throw new Error(r.error)
      const size = r.out[0]!
      expect(new TextDecoder().decode(r.out.subarray(1, 1 + size))).toBe(label)
      expect(r.out.subarray(1 + size)).toEqual(packet)
    })
  })
})
