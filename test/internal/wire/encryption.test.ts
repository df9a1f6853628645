import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import {
  decryptPayload,
  decryptStreamFrame,
  encryptedLength,
  encryptOverhead,
  encryptPayload,
  encryptStreamFrame,
  streamFrameLength
} from "../../../src/internal/wire/encryption.js"
import { hex, manifest, unhex } from "./securityFixtures.js"
import { okBytes, oracleBatch } from "./securityOracle.js"

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const key16 = new Uint8Array(16).fill(1)
const key24 = new Uint8Array(24).fill(2)
const key32 = new Uint8Array(32).fill(3)
const keyArb = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
const versionArb = fc.constantFrom(0 as const, 1 as const)

const reasonOf = (e: Either.Either<unknown, { reason: string }>): string | undefined =>
  Either.match(e, { onLeft: (x) => x.reason, onRight: () => undefined })

describe("encryption: memberlist's fixtures (sealed by Go)", () => {
  it("has both versions and all three key sizes", () => {
    const kinds = new Set(manifest.encrypted.map((f) => `${f.version}/${f.key.length / 2}`))
    expect([...kinds].sort()).toEqual(["0/16", "0/24", "0/32", "1/16", "1/24", "1/32"])
    expect(manifest.encryptOverhead).toEqual({ "0": encryptOverhead(0), "1": encryptOverhead(1) })
  })

  for (const f of manifest.encrypted) {
    it(`${f.name}: opens with a keyring holding the key (not first), fails without it`, () => {
      const data = unhex(f.data)
      const keys = f.keys.map(unhex)
      expect(data.length).toBe(encryptedLength(f.version, f.plaintext.length / 2))
      expect(decryptPayload(keys, data, unhex(f.aad))).toEqual(Either.right(unhex(f.plaintext)))
      expect(reasonOf(decryptPayload(keys.slice(0, 1), data, unhex(f.aad)))).toBe("DecryptFailed")
      // The additional data is authenticated: another label does not open it.
      expect(reasonOf(decryptPayload(keys, data, enc("other")))).toBe("DecryptFailed")
    })
  }

  it("re-sealing a fixture's plaintext with its nonce gives Go's exact bytes", () => {
    for (const f of manifest.encrypted) {
      const data = unhex(f.data)
      const ours = encryptPayload(f.version, unhex(f.key), unhex(f.plaintext), unhex(f.aad), data.subarray(1, 13))
      expect(hex(ours), f.name).toBe(f.data)
    }
  })
})

describe("encryption: behaviour", () => {
  it("overheads and lengths are memberlist's", () => {
    expect(encryptOverhead(0)).toBe(45)
    expect(encryptOverhead(1)).toBe(29)
    expect(encryptedLength(0, 0)).toBe(45)
    expect(encryptedLength(0, 15)).toBe(45)
    expect(encryptedLength(0, 16)).toBe(61)
    expect(encryptedLength(1, 100)).toBe(129)
  })

  it("a fixed nonce gives fixed bytes; the default nonce is random", () => {
    const nonce = new Uint8Array(12).fill(9)
    const a = encryptPayload(1, key16, enc("hello"), new Uint8Array(0), nonce)
    expect(hex(a.subarray(0, 13))).toBe("01" + "09".repeat(12))
    expect(encryptPayload(1, key16, enc("hello"), new Uint8Array(0), nonce)).toEqual(a)
    expect(hex(encryptPayload(1, key16, enc("hello"), new Uint8Array(0)))).not.toBe(
      hex(encryptPayload(1, key16, enc("hello"), new Uint8Array(0)))
    )
  })

  it.prop(
    "round-trips any payload, version, key size and label; tries every key",
    [versionArb, keyArb, keyArb, fc.uint8Array({ maxLength: 1500 }), fc.uint8Array({ maxLength: 255 })],
    ([version, key, other, plaintext, aad]) => {
      const sealed = encryptPayload(version, key, plaintext, aad)
      expect(sealed.length).toBe(encryptedLength(version, plaintext.length))
      expect(sealed.length - plaintext.length).toBeLessThanOrEqual(encryptOverhead(version))
      expect(decryptPayload([other, key], sealed, aad)).toEqual(Either.right(plaintext))
    }
  )

  it.prop(
    "any flipped bit, wrong key or wrong label is DecryptFailed, never a throw",
    [versionArb, keyArb, fc.uint8Array({ maxLength: 200 }), fc.nat()],
    ([version, key, plaintext, n]) => {
      const label = enc("prod")
      const sealed = encryptPayload(version, key, plaintext, label)
      const bit = n % ((sealed.length - 1) * 8)
      const flipped = sealed.slice()
      flipped[1 + (bit >> 3)] = flipped[1 + (bit >> 3)]! ^ 1 << (bit & 7)
      expect(reasonOf(decryptPayload([key], flipped, label))).toBe("DecryptFailed")
      expect(reasonOf(decryptPayload([key], sealed, enc("dev")))).toBe("DecryptFailed")
      expect(reasonOf(decryptPayload([key], sealed, new Uint8Array(0)))).toBe("DecryptFailed")
      const wrong = key.slice()
      wrong[0] = wrong[0]! ^ 1
      expect(reasonOf(decryptPayload([wrong], sealed, label))).toBe("DecryptFailed")
      expect(reasonOf(decryptPayload([], sealed, label))).toBe("DecryptFailed")
    }
  )

  it("rejects empty, short, unknown-version and bad-key input without throwing", () => {
    const sealed = encryptPayload(1, key32, enc("x"), new Uint8Array(0))
    expect(reasonOf(decryptPayload([key32], new Uint8Array(0)))).toBe("DecryptFailed")
    expect(reasonOf(decryptPayload([key32], sealed.subarray(0, 28)))).toBe("Truncated")
    expect(reasonOf(decryptPayload([key32], encryptPayload(0, key32, enc("x")).subarray(0, 44)))).toBe("Truncated")
    const v2 = sealed.slice()
    v2[0] = 2
    expect(reasonOf(decryptPayload([key32], v2))).toBe("DecryptFailed")
    // A key of an impossible length on the list is skipped, not thrown on.
    expect(reasonOf(decryptPayload([new Uint8Array(7), key24], sealed))).toBe("DecryptFailed")
    expect(decryptPayload([new Uint8Array(7), key32], sealed)).toEqual(Either.right(enc("x")))
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (noise) => {
        const r = decryptPayload([key16, key24, key32], noise)
        expect(Either.isLeft(r)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("rejects bad PKCS7 padding in an authentic version-0 payload", () => {
    // Seal as version 1 a plaintext ending in an impossible pad byte, then
    // present it as version 0: the tag does not cover the version byte.
    for (const last of [0, 17, 200]) {
      const plain = new Uint8Array(16).fill(last)
      const sealed = encryptPayload(1, key16, plain)
      sealed[0] = 0
      expect(reasonOf(decryptPayload([key16], sealed))).toBe("DecryptFailed")
    }
  })
})

describe("encryption: stream frames", () => {
  for (const f of manifest.streams) {
    it(`${f.name}: opens Go's stream frame (label ${JSON.stringify(f.label)})`, () => {
      let frame = unhex(f.frame)
      if (f.label !== "") frame = frame.subarray(2 + Buffer.byteLength(f.label))
      const label = enc(f.label)
      expect(streamFrameLength(frame, 1 << 20)).toEqual(Either.right(frame.length - 5))
      expect(decryptStreamFrame([unhex(f.key)], frame, label)).toEqual(Either.right(unhex(f.plaintext)))
      expect(reasonOf(decryptStreamFrame([unhex(f.key)], frame, enc(f.label + "x")))).toBe("DecryptFailed")
      expect(hex(encryptStreamFrame(f.version, unhex(f.key), unhex(f.plaintext), label, frame.subarray(6, 18)))).toBe(hex(frame))
    })
  }

  it.prop("round-trips; the header is authenticated", [versionArb, keyArb, fc.uint8Array({ maxLength: 3000 }), fc.string()], ([version, key, plain, labelText]) => {
    const label = enc(labelText)
    const frame = encryptStreamFrame(version, key, plain, label)
    expect(decryptStreamFrame([key], frame, label)).toEqual(Either.right(plain))
    expect(reasonOf(decryptStreamFrame([key], frame.subarray(0, frame.length - 1), label))).toBe("Truncated")
    expect(reasonOf(decryptStreamFrame([key], new Uint8Array([...frame, 0]), label))).toBe("TrailingBytes")
  })

  it("checks the frame header", () => {
    expect(reasonOf(streamFrameLength(new Uint8Array([10, 0, 0]), 100))).toBe("Truncated")
    expect(reasonOf(streamFrameLength(new Uint8Array([9, 0, 0, 0, 1]), 100))).toBe("Malformed")
    expect(reasonOf(streamFrameLength(new Uint8Array([10, 0, 0, 1, 0]), 100))).toBe("Oversized")
    expect(streamFrameLength(new Uint8Array([10, 0, 0, 0, 100]), 100)).toEqual(Either.right(100))
  })
})

describe("encryption against Go", () => {
  it("Go's decryptPayload opens what we seal: both versions, all key sizes, with and without a label", () => {
    const cases = fc.sample(fc.tuple(versionArb, keyArb, fc.uint8Array({ maxLength: 1400 }), fc.uint8Array({ maxLength: 40 })), { numRuns: 120, seed: 11 })
    const requests = cases.map(([version, key, plain, aad]) => ({
      op: "decrypt" as const,
      keys: [key16, key],
      aad,
      data: encryptPayload(version, key, plain, aad)
    }))
    const results = oracleBatch(requests)
    cases.forEach(([, , plain], i) => expect(okBytes(results[i])).toEqual(plain))
  })

  it("Go refuses what we seal under another label or key", () => {
    const sealed = encryptPayload(1, key32, enc("payload"), enc("prod"))
    const results = oracleBatch([
      { op: "decrypt", keys: [key32], aad: enc("dev"), data: sealed },
      { op: "decrypt", keys: [key16, key24], aad: enc("prod"), data: sealed },
      { op: "decrypt", keys: [key32], aad: enc("prod"), data: sealed }
    ])
    expect(results.map((r) => r.ok)).toEqual([false, false, true])
  })

  it("we open what Go seals right now (fresh nonces), both versions", () => {
    const cases = fc.sample(fc.tuple(versionArb, keyArb, fc.uint8Array({ maxLength: 1400 }), fc.uint8Array({ maxLength: 40 })), { numRuns: 60, seed: 12 })
    const results = oracleBatch(cases.map(([version, key, data, aad]) => ({ op: "encrypt", version, key, aad, data })))
    cases.forEach(([, key, plain, aad], i) => expect(decryptPayload([key], okBytes(results[i]), aad)).toEqual(Either.right(plain)))
  })

  it("Go's decryptRemoteState opens our stream frames (and upstream's labelled variant)", () => {
    const cases = fc.sample(fc.tuple(versionArb, keyArb, fc.uint8Array({ maxLength: 5000 }), fc.constantFrom("", "prod", "名前")), { numRuns: 40, seed: 13 })
    const results = oracleBatch(cases.map(([version, key, plain, label]) => ({
      op: "decrypt-stream",
      keys: [key],
      label,
      data: encryptStreamFrame(version, key, plain, enc(label))
    })))
    cases.forEach(([, , plain], i) => expect(okBytes(results[i])).toEqual(plain))
  })
})
