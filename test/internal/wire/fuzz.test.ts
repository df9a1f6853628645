import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodePacket } from "../../../src/internal/wire/packet.js"
import { decodeStream } from "../../../src/internal/wire/stream.js"
import { fuzz, fuzzSeeds } from "./fuzzCore.js"

// 200k under vitest keeps this suite to a few seconds on a 2-core machine;
// `npx tsx bench/wire-fuzz.ts` runs the full million (see its header).
const COUNT = Number(process.env.WIRE_FUZZ_COUNT ?? 200_000)

describe("wire fuzz", () => {
  const seeds = fuzzSeeds()

  it("valid seeds decode before mutation", () => {
    for (const s of seeds) {
      const options = { ...(s.keys ? { keyring: { keys: s.keys } } : {}), ...(s.label ? { label: s.label } : {}) }
      const r: Either.Either<unknown, unknown> = s.kind === "packet" ? decodePacket(s.bytes, options) : decodeStream(s.bytes, options)
      expect(Either.isRight(r)).toBe(true)
    }
  })

  it(`decodes ${COUNT} random and mutated inputs without a throw, every rejection a known reason`, () => {
    const report = fuzz(seeds, COUNT, 20240601)
    expect(report.thrown).toBe(0)
    expect(report.unknownReasons).toBe(0)
    const rejected = Object.values(report.rejected).reduce((a, b) => a + b, 0)
    expect(report.accepted + rejected).toBe(COUNT)
    // The mutations reach deep: most reasons are seen.
    for (const r of ["Truncated", "UnknownType", "Malformed", "BadCompound", "BadChecksum", "BadLabel", "DecryptFailed", "TrailingBytes"]) {
      expect(report.rejected[r] ?? 0, r).toBeGreaterThan(0)
    }
    console.log(JSON.stringify(report))
  })
})
