import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Canonical from "../../../src/internal/wire/canonical.js"
import { MsgpackReader, MsgpackWriter } from "../../../src/internal/wire/msgpack.js"

describe("MsgpackReader.readSpan", () => {
  it("reads what readBytes reads, with the same bounds and errors, and makes no view", () => {
    const w = new MsgpackWriter()
    w.bytes(new Uint8Array([10, 0, 0, 1])).nil().bytes(new Uint8Array(20)).string("abc")
    const bytes = w.finish()
    const span = new MsgpackReader(bytes)
    const view = new MsgpackReader(bytes)
    for (const max of [16, 16, 16]) {
      const n = span.readSpan(max)
      const b = view.readBytes(max)
      expect(n).toBe(b.length)
      if (n > 0) expect(bytes.subarray(span.spanStart, span.spanStart + n)).toEqual(b)
      expect(span.pos).toBe(view.pos)
      expect(span.error?.reason).toBe(view.error?.reason)
    }
    expect(span.error?.reason).toBe("Oversized")
  })
})

describe("canonical values read in place", () => {
  it("the version tuple at an offset is the one the same six bytes give alone, for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.nat(5), (six, at) => {
        const framed = new Uint8Array(at + 6)
        framed.set(six, at)
        const tuple = Canonical.versions(framed, at)
        expect(Array.from(tuple)).toEqual(Array.from(six))
        expect(Canonical.versions(six)).toBe(tuple)
      })
    )
  })

  it("the IPv4 host at an offset is the one the four bytes give alone", () => {
    const framed = new Uint8Array([9, 9, 192, 168, 4, 200])
    expect(Canonical.ipv4Host(framed, 2)).toBe("192.168.4.200")
    expect(Canonical.ipv4Host(new Uint8Array([192, 168, 4, 200]))).toBe(Canonical.ipv4Host(framed, 2))
  })
})
