import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Equal, FastCheck as fc, Redacted } from "effect"
import { inspect } from "node:util"
import * as Keyring from "../src/Keyring.js"

const key = (size: number, fill: number): Uint8Array => new Uint8Array(size).fill(fill)
const k1 = key(16, 1)
const k2 = key(24, 2)
const k3 = key(32, 3)

const ok = <A>(e: Either.Either<A, Keyring.KeyringError>): A => {
  if (Either.isLeft(e)) throw new Error(`${e.left.reason}: ${e.left.message}`)
  return e.right
}
const reasonOf = (e: Either.Either<unknown, Keyring.KeyringError>): string | undefined =>
  Either.match(e, { onLeft: (x) => x.reason, onRight: () => undefined })

describe("Keyring", () => {
  it("make: primary first, defaulting to the first key; duplicates dropped", () => {
    const ring = ok(Keyring.make([k1, k2, k1]))
    expect(ring.primary).toEqual(k1)
    expect(ring.keys).toEqual([k1, k2])
    const withPrimary = ok(Keyring.make([k1, k2], k3))
    expect(withPrimary.keys).toEqual([k3, k1, k2])
    expect(ok(Keyring.make([k1, k2], k2)).keys).toEqual([k2, k1])
    expect(Keyring.isKeyring(ring)).toBe(true)
    expect(Keyring.isKeyring({ keys: [] })).toBe(false)
  })

  it("make: refuses bad sizes and no keys with a typed error, never a throw", () => {
    for (const size of [0, 1, 15, 17, 31, 33, 64]) {
      expect(reasonOf(Keyring.make([key(size, 1)]))).toBe("InvalidKeySize")
      expect(reasonOf(Keyring.make([k1], key(size, 1)))).toBe("InvalidKeySize")
    }
    expect(reasonOf(Keyring.make([]))).toBe("NoKeys")
    const error = Either.getOrThrow(Either.flip(Keyring.make([])))
    expect(error).toBeInstanceOf(Keyring.KeyringError)
    expect(error._tag).toBe("KeyringError")
  })

  it("copies keys, so later changes to the caller's bytes do not reach the ring", () => {
    const mine = key(16, 5)
    const ring = ok(Keyring.make([mine]))
    mine[0] = 99
    expect(ring.primary[0]).toBe(5)
  })

  it("fromBase64: standard padded base64 of 16/24/32 bytes", () => {
    const b64 = (k: Uint8Array) => Buffer.from(k).toString("base64")
    const ring = ok(Keyring.fromBase64([b64(k1), b64(k3)], b64(k2)))
    expect(ring.keys).toEqual([k2, k1, k3])
    // A consul keygen key.
    expect(ok(Keyring.fromBase64(["T9jncgl9mbLus+baTTa7q7nPSUrXwbDi2dhbtqir37s="])).primary.length).toBe(32)
    expect(reasonOf(Keyring.fromBase64(["not base64!"]))).toBe("InvalidBase64")
    expect(reasonOf(Keyring.fromBase64([b64(k1).replace(/=+$/, "")]))).toBe("InvalidBase64")
    expect(reasonOf(Keyring.fromBase64([b64(k1)], "%%%%"))).toBe("InvalidBase64")
    // Node's decoder stops at the padding and would return 16 zero bytes; the junk makes it not a key.
    expect(reasonOf(Keyring.fromBase64(["AAAAAAAAAAAAAAAAAAAAAA==junk!!"]))).toBe("InvalidBase64")
    expect(reasonOf(Keyring.fromBase64([` ${b64(k1)}`]))).toBe("InvalidBase64")
    expect(reasonOf(Keyring.fromBase64([Buffer.from("short").toString("base64")]))).toBe("InvalidKeySize")
  })

  it("keyFromBase64: one key, straight into Redacted; refused with the same reasons, never echoing the text", () => {
    const text = "T9jncgl9mbLus+baTTa7q7nPSUrXwbDi2dhbtqir37s="
    const key = ok(Keyring.keyFromBase64(text))
    expect(Redacted.value(key)).toEqual(new Uint8Array(Buffer.from(text, "base64")))
    for (const shown of [String(key), JSON.stringify(key), inspect(key)]) expect(shown).not.toContain("T9jn")
    expect(reasonOf(Keyring.keyFromBase64(`${text}!`))).toBe("InvalidBase64")
    expect(reasonOf(Keyring.keyFromBase64(Buffer.from("short").toString("base64")))).toBe("InvalidKeySize")
    const error = Either.getOrThrow(Either.flip(Keyring.keyFromBase64(`${text}!`)))
    expect(error.message).not.toContain("T9jn")
  })

  it("addKey / useKey / removeKey follow memberlist and never change the original", () => {
    const ring = ok(Keyring.make([k1]))
    const added = ok(Keyring.addKey(ring, k2))
    expect(added.keys).toEqual([k1, k2])
    expect(ring.keys).toEqual([k1])
    expect(ok(Keyring.addKey(added, k2))).toBe(added)
    expect(reasonOf(Keyring.addKey(ring, key(10, 1)))).toBe("InvalidKeySize")

    const rotated = ok(Keyring.useKey(ok(Keyring.addKey(added, k3)), k3))
    expect(rotated.primary).toEqual(k3)
    expect(rotated.keys).toEqual([k3, k1, k2])
    expect(reasonOf(Keyring.useKey(ring, k2))).toBe("UnknownKey")

    expect(reasonOf(Keyring.removeKey(rotated, k3))).toBe("RemovePrimary")
    expect(ok(Keyring.removeKey(rotated, k1)).keys).toEqual([k3, k2])
    expect(ok(Keyring.removeKey(rotated, key(16, 77)))).toBe(rotated)
  })

  it("pipes, and yields inside Effect.gen", () =>
    Effect.runPromise(
      Effect.gen(function*() {
        const ring = yield* Keyring.make([k1])
        const next = yield* Either.right(ring).pipe(Either.flatMap(Keyring.addKey(k2)), Either.flatMap(Keyring.useKey(k2)))
        expect(next.primary).toEqual(k2)
        const failed = yield* Effect.either(Keyring.removeKey(next, k2))
        expect(reasonOf(failed)).toBe("RemovePrimary")
      })
    ))

  it("equal by content; printing never shows key bytes", () => {
    expect(Equal.equals(ok(Keyring.make([k1, k2])), ok(Keyring.make([key(16, 1), key(24, 2)])))).toBe(true)
    expect(Equal.equals(ok(Keyring.make([k1, k2])), ok(Keyring.make([k2, k1])))).toBe(false)
    const ring = ok(Keyring.make([key(16, 0xab)]))
    for (const shown of [JSON.stringify(ring), String(ring), inspect(ring)]) {
      expect(shown).not.toMatch(/171|ab,|q6ur|abab/)
      expect(shown).toMatch(/1/)
    }
  })

  it.prop("useKey then removeKey of the old primary leaves a ring of the rest", [fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 2, maxLength: 6 })], ([fills]) => {
    const keys = fills.map((f) => key(16, f))
    const ring = ok(Keyring.make(keys))
    const next = ok(Keyring.useKey(ring, keys[1]!))
    const after = ok(Keyring.removeKey(next, keys[0]!))
    expect(after.primary).toEqual(keys[1])
    expect(after.keys.length).toBe(keys.length - 1)
  })
})
