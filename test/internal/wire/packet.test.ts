import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { decodeCompoundBody, makeCompound } from "../../../src/internal/wire/compound.js"
import { compressMessage, decodeCompressBody } from "../../../src/internal/wire/compress.js"
import { encodeMessage, messageSize } from "../../../src/internal/wire/messages.js"
import type { EncodePacketOptions } from "../../../src/internal/wire/packet.js"
import { decodePacket, encodePacket, packetOverhead, wrapPacket } from "../../../src/internal/wire/packet.js"
import type { DecodeStreamOptions, EncodeStreamOptions } from "../../../src/internal/wire/stream.js"
import { decodeStream, encodeStream } from "../../../src/internal/wire/stream.js"
import { key, packetMessage, streamMessage } from "./arbitraries.js"
import { jsonish } from "./fixtureSupport.js"

const reason = (e: Either.Either<unknown, { reason: string }>) => (Either.isLeft(e) ? e.left.reason : "ok")

const pipeline = fc.record({
  compress: fc.boolean(),
  crc: fc.boolean(),
  encryption: fc.option(fc.record({ key, version: fc.constantFrom<0 | 1>(0, 1) }), { nil: undefined }),
  label: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined })
})

const clean = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

describe("compound", () => {
  it("round-trips 1..255 parts and reports truncated parts as memberlist does", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 255 }), fc.nat(), (parts, cut) => {
        const c = makeCompound(parts)
        expect(c[0]).toBe(7)
        const whole = Either.getOrThrow(decodeCompoundBody(c.subarray(1)))
        expect(whole.truncated).toBe(0)
        expect(whole.parts.map((p) => [...p])).toEqual(parts.map((p) => [...p]))
        // Cut inside the parts region: the complete parts before the cut survive.
        const table = 2 + 2 * parts.length
        const end = table + (cut % (c.length - table + 1))
        const t = Either.getOrThrow(decodeCompoundBody(c.subarray(1, end)))
        expect(t.parts.length + t.truncated).toBe(end === c.length ? parts.length : t.parts.length + t.truncated)
        expect(t.parts.map((p) => [...p])).toEqual(parts.slice(0, t.parts.length).map((p) => [...p]))
        if (end < c.length) expect(t.truncated).toBeGreaterThan(0)
      }),
      { numRuns: 300 }
    )
  })
  it("rejects a missing count or a cut length table", () => {
    expect(reason(decodeCompoundBody(new Uint8Array([])))).toBe("BadCompound")
    expect(reason(decodeCompoundBody(new Uint8Array([3, 0, 1, 0])))).toBe("BadCompound")
  })
})

describe("compress wrapper", () => {
  it("round-trips and refuses unknown algorithms and over-budget output", () => {
    const payload = encodeMessage({ _tag: "User", payload: new Uint8Array(2000).fill(7) })
    const c = compressMessage(payload)
    expect(c[0]).toBe(9)
    expect([...Either.getOrThrow(decodeCompressBody(c.subarray(1), 10_000))]).toEqual([...payload])
    expect(reason(decodeCompressBody(c.subarray(1), 100))).toBe("Oversized")
    const bad = c.slice()
    bad[7] = 1 // {"Algo": 1, ...}: the Algo value byte follows 82 a4 "Algo"
    expect(reason(decodeCompressBody(bad.subarray(1), 10_000))).toBe("BadCompression")
  })
})

describe("packet pipeline", () => {
  it("round-trips messages through every combination of compression, CRC, encryption and label", () => {
    fc.assert(
      fc.property(fc.array(packetMessage, { minLength: 1, maxLength: 12 }), pipeline, (messages, p) => {
        const options = clean(p) as EncodePacketOptions
        const bytes = encodePacket(messages, options)
        const keyring = options.encryption ? { keys: [new Uint8Array(16), options.encryption.key] } : undefined
        const decoded = Either.getOrThrow(
          decodePacket(bytes, clean({ label: options.label, keyring }) as Parameters<typeof decodePacket>[1])
        )
        expect(decoded.truncated).toBe(0)
        expect(jsonish(decoded.messages)).toEqual(jsonish(messages))
        // Size prediction: without compression the packet size is exact.
        if (!options.compress) {
          const payload =
            messages.length === 1 ? messageSize(messages[0]!) : 2 + messages.reduce((n, m) => n + 2 + messageSize(m), 0)
          expect(bytes.length).toBe(payload + packetOverhead(options, payload))
        }
      }),
      { numRuns: 500 }
    )
  })

  it("rejects a wrong label, a wrong key, plaintext under encryption and a bad CRC", () => {
    const ping = { _tag: "Ping" as const, seqNo: 1, node: "a" }
    const k = new Uint8Array(16).fill(1)
    const enc = { key: k, version: 1 as const }
    expect(reason(decodePacket(encodePacket([ping], { label: "a" }), { label: "b" }))).toBe("BadLabel")
    expect(reason(decodePacket(encodePacket([ping], { label: "a" })))).toBe("BadLabel")
    expect(reason(decodePacket(encodePacket([ping]), { label: "a" }))).toBe("BadLabel")
    expect(reason(decodePacket(encodePacket([ping], { encryption: enc }), { keyring: { keys: [new Uint8Array(16)] } }))).toBe(
      "DecryptFailed"
    )
    // The label is authenticated: same key, label stripped and replaced, fails.
    const labelled = encodePacket([ping], { encryption: enc, label: "a" })
    const relabelled = new Uint8Array([244, 1, 98, ...labelled.subarray(3)])
    expect(reason(decodePacket(relabelled, { keyring: { keys: [k] }, label: "b" }))).toBe("DecryptFailed")
    expect(reason(decodePacket(encodePacket([ping]), { keyring: { keys: [k] } }))).not.toBe("ok")
    // With requireEncryption off, plaintext is accepted as memberlist does.
    expect(reason(decodePacket(encodePacket([ping]), { keyring: { keys: [k] }, requireEncryption: false }))).toBe("ok")
    const crc = encodePacket([ping], { crc: true })
    crc[crc.length - 1]! ^= 1
    expect(reason(decodePacket(crc))).toBe("BadChecksum")
  })

  it("bounds nesting depth and total decompression", () => {
    let inner = encodeMessage({ _tag: "Nack", seqNo: 1 })
    for (let i = 0; i < 6; i++) inner = makeCompound([inner])
    expect(reason(decodePacket(inner))).toBe("Malformed")
    expect(reason(decodePacket(inner, { maxDepth: 8 }))).toBe("ok")
    // 200 compressed parts of 60000 bytes each cannot all expand.
    const bomb = compressMessage(encodeMessage({ _tag: "User", payload: new Uint8Array(60_000) }))
    const many = makeCompound(Array.from({ length: 200 }, () => bomb))
    expect(reason(decodePacket(many))).toBe("Oversized")
  })

  it("returns the complete parts of a truncated compound and counts the rest", () => {
    const msgs = [
      { _tag: "Nack" as const, seqNo: 1 },
      { _tag: "Nack" as const, seqNo: 2 },
      { _tag: "Nack" as const, seqNo: 3 }
    ]
    const p = encodePacket(msgs)
    const r = Either.getOrThrow(decodePacket(p.subarray(0, p.length - 1)))
    expect(r.messages).toEqual(msgs.slice(0, 2))
    expect(r.truncated).toBe(1)
  })

  it("wrapPacket keeps compression only when it shrinks the packet", () => {
    const small = encodeMessage({ _tag: "Nack", seqNo: 1 })
    expect([...wrapPacket(small, { compress: true })]).toEqual([...small])
  })
})

describe("stream frames", () => {
  const streamOptions = fc.record({
    compress: fc.boolean(),
    encryption: fc.option(fc.record({ key, version: fc.constantFrom<0 | 1>(0, 1) }), { nil: undefined }),
    label: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined })
  })
  it("round-trips push/pull, user, ping, ack and err frames, in any chunking", () => {
    fc.assert(
      fc.property(streamMessage, streamOptions, fc.array(fc.nat(), { maxLength: 5 }), (m, o, cuts) => {
        const options = clean(o) as EncodeStreamOptions
        const bytes = encodeStream(m, options)
        const dec = clean({ label: options.label, keyring: options.encryption ? { keys: [options.encryption.key] } : undefined }) as DecodeStreamOptions
        // Followed by unrelated bytes: consumed says where the frame ends.
        const withTail = new Uint8Array([...bytes, 1, 2, 3])
        const r = Either.getOrThrow(decodeStream(withTail, dec))
        expect(r._tag).toBe("Complete")
        if (r._tag !== "Complete") return
        expect(r.consumed).toBe(bytes.length)
        expect(jsonish(r.message)).toEqual(jsonish(m))
        for (const c of cuts) {
          const n = c % bytes.length
          expect(Either.getOrThrow(decodeStream(bytes.subarray(0, n), dec))._tag).toBe("NeedMore")
        }
      }),
      { numRuns: 300 }
    )
  })

  it("enforces encryption, member and size limits", () => {
    const pp = { _tag: "PushPull" as const, join: false, states: [], userState: new Uint8Array(0) }
    const k = new Uint8Array(16)
    expect(reason(decodeStream(encodeStream(pp), { keyring: { keys: [k] } }))).toBe("Unencrypted")
    expect(reason(decodeStream(encodeStream(pp, { encryption: { key: k, version: 1 } })))).toBe("DecryptFailed")
    const one = {
      ...pp,
      states: [
        {
          name: "a",
          address: { host: "10.0.0.1", port: 1 },
          meta: new Uint8Array(0),
          incarnation: 1,
          state: 0 as const,
          versions: [1, 5, 2, 0, 0, 0] as const
        }
      ]
    }
    expect(reason(decodeStream(encodeStream(one), { maxNodes: 0 }))).toBe("Oversized")
    // A sealed frame claiming more than 20 MiB is refused from its header alone.
    expect(reason(decodeStream(new Uint8Array([10, 0x02, 0, 0, 0]), { keyring: { keys: [k] } }))).toBe("Oversized")
    // A header promising 2^31 user-state bytes is refused before reading them.
    const huge = new Uint8Array([6, 0x83, 0xa4, ...Buffer.from("Join"), 0xc2, 0xa5, ...Buffer.from("Nodes"), 0, 0xac, ...Buffer.from("UserStateLen"), 0xce, 0x80, 0, 0, 0])
    expect(reason(decodeStream(huge))).toBe("Oversized")
    expect(reason(decodeStream(new Uint8Array([7, 0])))).toBe("UnknownType")
  })
})
