import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { PacketMessage, PushPull } from "../../../src/internal/swim/messages.js"
import { makeCompound } from "../../../src/internal/wire/compound.js"
import { decodeMessage, encodeMessage } from "../../../src/internal/wire/messages.js"
import { decodePacket, wrapPacket } from "../../../src/internal/wire/packet.js"
import { decodeStream, encodeStream } from "../../../src/internal/wire/stream.js"
import { fromHex, fromJsonish, jsonish, loadFixtures, toHex } from "./fixtureSupport.js"

const fixtures = loadFixtures()
const keyring = (keys: ReadonlyArray<string> | undefined) =>
  keys === undefined ? undefined : { keys: keys.map(fromHex) }

describe("memberlist fixtures (bytes written by Go memberlist)", () => {
  it("has fixtures of every kind", () => {
    expect(fixtures.filter((f) => f.kind === "message").length).toBeGreaterThan(20)
    expect(fixtures.filter((f) => f.kind === "packet").length).toBeGreaterThan(10)
    expect(fixtures.filter((f) => f.kind === "stream").length).toBeGreaterThan(10)
  })

  describe("messages", () => {
    for (const f of fixtures.filter((f) => f.kind === "message")) {
      it(`${f.name} decodes${f.reencode ? " and re-encodes byte for byte" : ""}`, () => {
        const m = Either.getOrThrow(decodeMessage(f.bytes))
        expect(jsonish(m)).toEqual(f.expected)
        if (f.reencode) expect(toHex(encodeMessage(m))).toBe(toHex(f.bytes))
      })
    }
  })

  describe("packets", () => {
    for (const f of fixtures.filter((f) => f.kind === "packet")) {
      it(`${f.name} decodes`, () => {
        const kr = keyring(f.keys)
        const p = Either.getOrThrow(
          decodePacket(f.bytes, { ...(kr ? { keyring: kr } : {}), ...(f.label ? { label: f.label } : {}) })
        )
        expect(jsonish(p)).toEqual(f.expected)
      })
    }
    it("re-encodes compound, compressed and CRC packets byte for byte", () => {
      const byName = new Map(fixtures.map((f) => [f.name, f]))
      for (const [name, options] of [
        ["compound", {}],
        ["compound-one", {}],
        ["compound-100-parts", {}],
        ["compressed", { compress: true }],
        ["compressed-single", { compress: true }],
        ["crc", { crc: true }],
        ["compressed-crc", { compress: true, crc: true }],
        ["labelled-plain", { label: "cluster-a" }]
      ] as const) {
        const f = byName.get(name)!
        const exp = f.expected as { messages: ReadonlyArray<unknown> }
        const msgs = exp.messages.map((m) => fromJsonish(m) as PacketMessage)
        const payload = msgs.length === 1 && !name.startsWith("compound") ? encodeMessage(msgs[0]!) : makeCompound(msgs.map(encodeMessage))
        expect(toHex(wrapPacket(payload, options)), name).toBe(toHex(f.bytes))
      }
    })
  })

  describe("streams", () => {
    for (const f of fixtures.filter((f) => f.kind === "stream")) {
      it(`${f.name} decodes, whole and byte by byte${f.reencode ? ", and re-encodes" : ""}`, () => {
        const kr = keyring(f.keys)
        const opts = kr ? { keyring: kr } : {}
        const r = Either.getOrThrow(decodeStream(f.bytes, opts))
        expect(r._tag).toBe("Complete")
        if (r._tag !== "Complete") return
        expect(r.consumed).toBe(f.bytes.length)
        expect(jsonish(r.message)).toEqual(f.expected)
        // Every strict prefix asks for more bytes (a stream arrives in chunks).
        for (let n = 0; n < f.bytes.length; n += Math.max(1, Math.floor(f.bytes.length / 50))) {
          const partial = Either.getOrThrow(decodeStream(f.bytes.subarray(0, n), opts))
          expect(partial._tag, `prefix ${n}`).toBe("NeedMore")
        }
        if (f.reencode) {
          const compress = f.name.includes("compressed")
          expect(toHex(encodeStream(r.message, { compress }))).toBe(toHex(f.bytes))
        }
      })
    }
    it("decodes a push/pull with its expected member states", () => {
      const f = fixtures.find((f) => f.name === "pushpull")!
      const r = Either.getOrThrow(decodeStream(f.bytes))
      expect(r._tag === "Complete" && (r.message as PushPull).states.map((s) => s.state)).toEqual([0, 1, 2, 3])
    })
  })
})
