import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { makeCompound } from "../../../src/internal/wire/compound.js"
import { encodeMessage } from "../../../src/internal/wire/messages.js"
import { encodePacket } from "../../../src/internal/wire/packet.js"
import { packetMessage } from "./arbitraries.js"

describe("a compound encoded in one buffer", () => {
  it("is byte for byte the compound of the messages' own encodings", () => {
    fc.assert(
      fc.property(fc.array(packetMessage, { minLength: 2, maxLength: 12 }), (messages) => {
        expect(encodePacket(messages)).toEqual(makeCompound(messages.map(encodeMessage)))
      }),
      { numRuns: 200 }
    )
  })

  it("is left as it was by the next packet encoded, which reuses the part-size table", () => {
    fc.assert(
      fc.property(
        fc.array(packetMessage, { minLength: 2, maxLength: 8 }),
        fc.array(packetMessage, { minLength: 2, maxLength: 8 }),
        (first, second) => {
          const packet = encodePacket(first)
          const kept = Uint8Array.from(packet)
          encodePacket(second)
          expect(packet).toEqual(kept)
        }
      ),
      { numRuns: 100 }
    )
  })
})
