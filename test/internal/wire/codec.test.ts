import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { CodecTable } from "../../../src/internal/wire/codec.js"
import { codecOf, encodeWith } from "../../../src/internal/wire/codec.js"
import { packetCodecs } from "../../../src/internal/wire/messages.js"
import { MsgpackReader } from "../../../src/internal/wire/msgpack.js"
import type { StreamFrame } from "../../../src/internal/wire/stream.js"
import { streamCodecs } from "../../../src/internal/wire/stream.js"
import { packetMessage, pushPull } from "./arbitraries.js"
import { jsonish } from "./fixtureSupport.js"

const streamFrame: fc.Arbitrary<StreamFrame> = fc.oneof(
  pushPull,
  packetMessage.filter((m): m is Exclude<StreamFrame, { _tag: "PushPull" }> =>
    m._tag === "Ping" || m._tag === "Ack" || m._tag === "ErrorResponse" || m._tag === "User"
  )
)

/** One entry's size, writer and reader agree: the type byte, the exact length, and the value read back. */
const entryAgrees = <M extends { readonly _tag: string }>(table: CodecTable<M>, m: M): void => {
  const codec = codecOf(table, m)
  const bytes = encodeWith(codec, m)
  expect(bytes[0], m._tag).toBe(codec.type)
  expect(bytes.length, m._tag).toBe(codec.size(m))
  const r = new MsgpackReader(bytes, 1)
  const back = codec.read(r, { copy: true, maxNodes: 1_000 })
  expect(r.error, m._tag).toBeUndefined()
  expect(r.remaining, m._tag).toBe(0)
  expect(jsonish(back)).toEqual(jsonish(m))
}

const distinctTypes = (table: Record<string, { readonly type: number }>) =>
  new Set(Object.values(table).map((c) => c.type)).size === Object.keys(table).length

describe("codec tables", () => {
  it("every packet entry writes its own type byte, exactly its size, and reads back what it wrote", () => {
    fc.assert(fc.property(packetMessage, (m) => entryAgrees(packetCodecs, m)), { numRuns: 2000 })
  })

  it("every stream entry does the same, push/pull and the length-prefixed user message included", () => {
    fc.assert(fc.property(streamFrame, (m) => entryAgrees(streamCodecs, m)), { numRuns: 500 })
  })

  it("gives each type byte to one entry per table, so decoding finds the right one", () => {
    expect(distinctTypes(packetCodecs)).toBe(true)
    expect(distinctTypes(streamCodecs)).toBe(true)
  })

  it("reuses the packet entries for the stream's ping, ack and err", () => {
    expect(streamCodecs.Ping).toBe(packetCodecs.Ping)
    expect(streamCodecs.Ack).toBe(packetCodecs.Ack)
    expect(streamCodecs.ErrorResponse).toBe(packetCodecs.ErrorResponse)
    expect(streamCodecs.User).not.toBe(packetCodecs.User)
  })
})
