import { describe, expect, it } from "@effect/vitest"
import { encryptionVersionFor } from "../../../src/internal/wire/versions.js"

describe("encryptionVersionFor", () => {
  it("uses encryption version 0 at protocol 1 and version 1 from protocol 2 on, as memberlist does", () => {
    expect(encryptionVersionFor(1)).toBe(0)
    expect(encryptionVersionFor(2)).toBe(1)
    expect(encryptionVersionFor(5)).toBe(1)
  })
})
