import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { decodeMessage, encodeMessage, messageSize } from "../../../src/internal/wire/messages.js"
import { MsgpackReader, MsgpackWriter } from "../../../src/internal/wire/msgpack.js"
import { packetMessage } from "./arbitraries.js"
import { jsonish } from "./fixtureSupport.js"

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"))
const reason = (e: Either.Either<unknown, { reason: string }>) => (Either.isLeft(e) ? e.left.reason : "ok")

describe("message codec", () => {
  it("round-trips every message type, and messageSize is exact", () => {
    fc.assert(
      fc.property(packetMessage, (m) => {
        const bytes = encodeMessage(m)
        expect(messageSize(m)).toBe(bytes.length)
        const back = Either.getOrThrow(decodeMessage(bytes))
        expect(jsonish(back)).toEqual(jsonish(m))
      }),
      { numRuns: 3000 }
    )
  })

  it("covers every message type in the generator", () => {
    const tags = new Set(fc.sample(packetMessage, 500).map((m) => m._tag))
    expect([...tags].sort()).toEqual(["Ack", "Alive", "Dead", "ErrorResponse", "IndirectPing", "Nack", "Ping", "Suspect", "User"])
  })

  it("accepts fields in any order, unknown keys of any type, and wider ints than Go writes", () => {
    // nack {"X": [1, {"a": nil}], "SeqNo": uint64 5}
    const m = decodeMessage(hex("0b 82 a158 92 01 81 a161 c0 a55365714e6f cf0000000000000005"))
    expect(Either.getOrThrow(m)).toEqual({ _tag: "Nack", seqNo: 5 })
    // suspect with int8/int16 forms, a str8 name and a bin8 key-less field order
    const s = decodeMessage(hex("03 83 a44e6f6465 d9 01 78 ab496e6361726e6174696f6e d1 0102 a446726f6d c0"))
    expect(Either.getOrThrow(s)).toEqual({ _tag: "Suspect", incarnation: 258, node: "x", from: "" })
    // ack with a bin payload
    const a = decodeMessage(hex("02 82 a55365714e6f 01 a75061796c6f6164 c4 02 abcd"))
    expect(jsonish(Either.getOrThrow(a))).toEqual({ _tag: "Ack", seqNo: 1, payload: "abcd" })
  })

  it("rejects what memberlist could not have meant, with a reason", () => {
    expect(reason(decodeMessage(hex("0b 81 a55365714e6f ff")))).toBe("Malformed") // negative seqNo
    expect(reason(decodeMessage(hex("0b 81 a55365714e6f cf 0000000100000000")))).toBe("Malformed") // > uint32
    expect(reason(decodeMessage(hex("0b 80")))).toBe("Malformed") // missing SeqNo
    expect(reason(decodeMessage(hex("0b 81 a55365714e6f")))).toBe("Truncated")
    expect(reason(decodeMessage(hex("0b 81 a55365714e6f 01 00")))).toBe("TrailingBytes")
    expect(reason(decodeMessage(hex("0b df ffffffff")))).toBe("Truncated") // huge map count
    expect(reason(decodeMessage(hex("03 81 a44e6f6465 db ffffffff")))).toBe("Truncated") // huge string
    expect(reason(decodeMessage(hex("03 81 a44e6f6465 c4 01 78")))).toBe("Malformed") // bin as string (Go refuses too)
    expect(reason(decodeMessage(hex("03 81 a44e6f6465 a2 c328")))).toBe("Malformed") // bad UTF-8
    expect(reason(decodeMessage(hex("0b 81 a55365714e6f c1")))).toBe("Malformed")
    expect(reason(decodeMessage(hex("63 80")))).toBe("UnknownType")
    expect(reason(decodeMessage(hex("")))).toBe("Truncated")
    // alive with a 5-byte address and with a 3-entry Vsn
    expect(
      reason(decodeMessage(hex("04 83 a4416464 72a5 0102030405 ab496e6361726e6174696f6e 01 a44e6f6465 a161".replace("72a5", "72 a5"))))
    ).toBe("Malformed")
    const vsn3 = hex("04 84 a441646472 a4 7f000001 ab496e6361726e6174696f6e 01 a44e6f6465 a161 a3 56736e a3 010203")
    expect(reason(decodeMessage(vsn3))).toBe("Malformed")
    // meta over memberlist's 512-byte limit
    const meta = new MsgpackWriter()
    meta.byte(4).map(4).string("Addr").byte(0xa4).raw(new Uint8Array([1, 2, 3, 4]))
    meta.string("Incarnation").uint(1).string("Node").string("n").string("Meta").bytes(new Uint8Array(513))
    expect(reason(decodeMessage(meta.finish()))).toBe("Oversized")
  })

  it("skips deeply nested unknown values without recursion and without over-reading", () => {
    // 10,000 nested single-element arrays under an unknown key, then SeqNo.
    const w = new MsgpackWriter()
    w.byte(0x0b).map(2).string("Deep")
    for (let i = 0; i < 10_000; i++) w.array(1)
    w.nil().string("SeqNo").uint(3)
    expect(Either.getOrThrow(decodeMessage(w.finish()))).toEqual({ _tag: "Nack", seqNo: 3 })
  })

  it("writes integers and strings the way go-msgpack does", () => {
    const w = (f: (w: MsgpackWriter) => void) => {
      const x = new MsgpackWriter()
      f(x)
      return Buffer.from(x.finish()).toString("hex")
    }
    expect(w((x) => x.uint(127))).toBe("7f")
    expect(w((x) => x.uint(128))).toBe("cc80")
    expect(w((x) => x.uint(256))).toBe("cd0100")
    expect(w((x) => x.uint(65536))).toBe("ce00010000")
    expect(w((x) => x.uint(2 ** 32))).toBe("cf0000000100000000")
    expect(w((x) => x.int(-1))).toBe("ff")
    expect(w((x) => x.int(-33))).toBe("d0df")
    expect(w((x) => x.int(-129))).toBe("d1ff7f")
    expect(w((x) => x.int(-40000))).toBe("d2ffff63c0")
    expect(w((x) => x.int(-(2 ** 40)))).toBe("d3ffffff0000000000")
    expect(w((x) => x.string("a".repeat(31)))).toBe("bf" + "61".repeat(31))
    expect(w((x) => x.string("a".repeat(32)))).toBe("da0020" + "61".repeat(32)) // no str8 without WriteExt
    expect(w((x) => x.bytes(new Uint8Array(0)))).toBe("c0") // nil []byte
    expect(w((x) => x.map(16))).toBe("de0010")
  })

  it("reads back every integer width it writes", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (n) => {
        const x = new MsgpackWriter()
        x.int(n)
        const r = new MsgpackReader(x.finish())
        expect(r.readInt()).toBe(n)
        expect(r.failed).toBe(false)
        expect(r.remaining).toBe(0)
      })
    )
  })
})
