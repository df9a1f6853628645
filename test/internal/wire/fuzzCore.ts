/**
 * The wire fuzzer: random and mutated packets and stream frames through the
 * decoders, counting outcomes by reason. Shared by the fuzz test (a bounded
 * count) and bench/wire-fuzz.ts (the full million).
 */
import { Either, FastCheck as fc } from "effect"
import { DecodeError } from "../../../src/internal/wire/errors.js"
import type { DecodeErrorReason } from "../../../src/internal/wire/errors.js"
import { decodePacket, encodePacket } from "../../../src/internal/wire/packet.js"
import { decodeStream, encodeStream } from "../../../src/internal/wire/stream.js"
import { packetMessage, pushPull } from "./arbitraries.js"
import { fromHex, loadFixtures } from "./fixtureSupport.js"

const KNOWN_REASONS: ReadonlySet<DecodeErrorReason> = new Set<DecodeErrorReason>([
  "Truncated",
  "UnknownType",
  "Malformed",
  "Oversized",
  "BadCompound",
  "BadCompression",
  "BadChecksum",
  "BadLabel",
  "DecryptFailed",
  "Unencrypted",
  "TrailingBytes"
])

/** xorshift32: fast, seeded, good enough to pick mutations. */
const rng = (seed: number) => {
  let s = seed >>> 0 || 1
  return (n: number): number => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s % n
  }
}

export interface FuzzReport {
  readonly total: number
  readonly accepted: number
  readonly rejected: Record<string, number>
  readonly thrown: number
  readonly unknownReasons: number
  readonly byMutation: Record<string, number>
}

export interface FuzzSeed {
  readonly bytes: Uint8Array
  readonly kind: "packet" | "stream"
  readonly keys?: ReadonlyArray<Uint8Array>
  readonly label?: string
}

const MUTATIONS = ["bitflip", "truncate", "length", "type", "random", "splice", "insert"] as const

const mutate = (seed: Uint8Array, pick: (n: number) => number, all: ReadonlyArray<FuzzSeed>): { bytes: Uint8Array; how: string } => {
  const how = MUTATIONS[pick(MUTATIONS.length)]!
  const b = seed.slice()
  switch (how) {
    case "bitflip": {
      const flips = 1 + pick(4)
      for (let i = 0; i < flips && b.length > 0; i++) b[pick(b.length)]! ^= 1 << pick(8)
      return { bytes: b, how }
    }
    case "truncate":
      return { bytes: b.subarray(0, pick(b.length + 1)), how }
    case "length": {
      // Overwrite what may be a length/count field with an extreme value.
      if (b.length > 1) {
        const at = pick(b.length - 1)
        const v = [0x00, 0xff, 0x7f, 0x80][pick(4)]!
        b[at] = v
        b[at + 1] = v
      }
      return { bytes: b, how }
    }
    case "type":
      if (b.length > 0) b[0] = pick(256)
      return { bytes: b, how }
    case "random": {
      const out = new Uint8Array(pick(300))
      for (let i = 0; i < out.length; i++) out[i] = pick(256)
      if (out.length > 0 && pick(2) === 0) out[0] = pick(14)
      return { bytes: out, how }
    }
    case "splice": {
      const other = all[pick(all.length)]!.bytes
      const cut = pick(b.length + 1)
      const from = pick(other.length + 1)
      const out = new Uint8Array(cut + other.length - from)
      out.set(b.subarray(0, cut))
      out.set(other.subarray(from), cut)
      return { bytes: out, how }
    }
    case "insert": {
      const at = pick(b.length + 1)
      const n = 1 + pick(8)
      const out = new Uint8Array(b.length + n)
      out.set(b.subarray(0, at))
      for (let i = 0; i < n; i++) out[at + i] = pick(256)
      out.set(b.subarray(at), at + n)
      return { bytes: out, how }
    }
  }
}

/** Decodes `count` mutated inputs; never lets an exception escape (it counts them). */
export const fuzz = (seeds: ReadonlyArray<FuzzSeed>, count: number, seed = 1): FuzzReport => {
  const pick = rng(seed)
  const rejected: Record<string, number> = {}
  const byMutation: Record<string, number> = {}
  let accepted = 0
  let thrown = 0
  let unknownReasons = 0
  for (let i = 0; i < count; i++) {
    const s = seeds[pick(seeds.length)]!
    const { bytes, how } = mutate(s.bytes, pick, seeds)
    byMutation[how] = (byMutation[how] ?? 0) + 1
    const options = {
      ...(s.keys ? { keyring: { keys: s.keys } } : {}),
      ...(s.label ? { label: s.label } : {})
    }
    let result: Either.Either<unknown, unknown>
    try {
      result = s.kind === "packet" ? decodePacket(bytes, options) : decodeStream(bytes, options)
    } catch {
      thrown++
      continue
    }
    if (Either.isRight(result)) {
      accepted++
      continue
    }
    const e = result.left
    if (!(e instanceof DecodeError) || !KNOWN_REASONS.has(e.reason)) {
      unknownReasons++
      continue
    }
    rejected[e.reason] = (rejected[e.reason] ?? 0) + 1
  }
  return { total: count, accepted, rejected, thrown, unknownReasons, byMutation }
}

/** Fixtures from Go memberlist plus packets and frames of our own, every pipeline. */
export const fuzzSeeds = (): ReadonlyArray<FuzzSeed> => {
  const seeds: Array<FuzzSeed> = loadFixtures().map((f) => ({
    bytes: f.bytes,
    kind: f.kind === "stream" ? "stream" : "packet",
    ...(f.keys ? { keys: f.keys.map(fromHex) } : {}),
    ...(f.label ? { label: f.label } : {})
  }))
  const key = new Uint8Array(16).fill(3)
  fc.sample(fc.array(packetMessage, { minLength: 1, maxLength: 8 }), { numRuns: 60, seed: 5 }).forEach((msgs, i) => {
    seeds.push({ bytes: encodePacket(msgs, { compress: i % 2 === 0, crc: i % 3 === 0 }), kind: "packet" })
    seeds.push({ bytes: encodePacket(msgs, { encryption: { key, version: 1 }, label: "x" }), kind: "packet", keys: [key], label: "x" })
  })
  fc.sample(pushPull, { numRuns: 10, seed: 6 }).forEach((pp, i) =>
    seeds.push({ bytes: encodeStream(pp, { compress: i % 2 === 0 }), kind: "stream" })
  )
  return seeds
}

