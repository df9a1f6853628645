/**
 * A `DecodeError` from the decoders carries its reason and message but no
 * stack frames (errors.ts): capturing the stack was most of what a malformed
 * datagram cost. The process's own stack trace limit is left as it was.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { DecodeError, decodeError } from "../../../src/internal/wire/errors.js"
import { decodePacket } from "../../../src/internal/wire/packet.js"

describe("decodeError", () => {
  it("is a tagged DecodeError with its reason and message, and a stack of its header line alone", () => {
    const limit = Error.stackTraceLimit
    const error = decodeError("Malformed", "bad field")
    expect(error).toBeInstanceOf(DecodeError)
    expect(error._tag).toBe("DecodeError")
    expect(error.reason).toBe("Malformed")
    expect(error.message).toBe("bad field")
    expect(String(error.stack).split("\n")).toHaveLength(1)
    expect(Error.stackTraceLimit).toBe(limit)
  })

  it("a datagram that does not decode is refused with such an error", () => {
    const decoded = decodePacket(Uint8Array.of(200, 1, 2, 3))
    expect(Either.isLeft(decoded)).toBe(true)
    if (Either.isLeft(decoded)) {
      expect(decoded.left.reason).toBe("UnknownType")
      expect(String(decoded.left.stack).split("\n")).toHaveLength(1)
    }
  })
})
