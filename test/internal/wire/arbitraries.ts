/**
 * fast-check generators for the core's wire messages (shared by the wire tests).
 */
import { FastCheck as fc } from "effect"
import type {
  Address,
  NodeState,
  PacketMessage,
  PushNodeState,
  PushPull,
  StreamMessage,
  Versions
} from "./types.js"

const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
const u16 = fc.integer({ min: 0, max: 0xffff })
const u8 = fc.integer({ min: 0, max: 255 })

/** Node names: mostly short ASCII, sometimes long (str16) or non-ASCII. */
const name = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 400 }) }
)

const ipv4 = fc.ipV4()
/** IPv6 in the form our decoder renders (canonical, no IPv4-mapped forms). */
const ipv6 = fc
  .array(fc.oneof(fc.constant(0), u16), { minLength: 8, maxLength: 8 })
  .filter((gs) => !(gs.slice(0, 5).every((g) => g === 0) && gs[5] === 0xffff))
  .map((gs) => canonicalV6(gs))

const canonicalV6 = (groups: ReadonlyArray<number>): string => {
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (gs: ReadonlyArray<number>) => gs.map((g) => g.toString(16)).join(":")
  return bestStart < 0 ? hex(groups) : `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`
}

const address: fc.Arbitrary<Address> = fc.record({ host: fc.oneof(ipv4, ipv6), port: u16 })
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => new Uint8Array(b))
const versions: fc.Arbitrary<Versions> = fc.tuple(u8, u8, u8, u8, u8, u8)
const source = fc.option(fc.record({ address, node: name }), { nil: undefined })

const withSource = <T extends object>(base: T, s: { address: Address; node: string } | undefined) =>
  s === undefined ? base : { ...base, source: s }

export const packetMessage: fc.Arbitrary<PacketMessage> = fc.oneof(
  fc.tuple(u32, name, source).map(([seqNo, node, s]) => withSource({ _tag: "Ping" as const, seqNo, node }, s)),
  fc
    .tuple(u32, address, name, fc.boolean(), source)
    .map(([seqNo, target, node, nack, s]) => withSource({ _tag: "IndirectPing" as const, seqNo, target, node, nack }, s)),
  fc.record({ _tag: fc.constant("Ack" as const), seqNo: u32, payload: bytes(300) }),
  fc.record({ _tag: fc.constant("Nack" as const), seqNo: u32 }),
  fc.record({ _tag: fc.constant("Suspect" as const), incarnation: u32, node: name, from: name }),
  fc.record({ _tag: fc.constant("Dead" as const), incarnation: u32, node: name, from: name }),
  fc.record({
    _tag: fc.constant("Alive" as const),
    incarnation: u32,
    node: name,
    address,
    meta: bytes(512),
    versions
  }),
  fc.record({ _tag: fc.constant("User" as const), payload: bytes(600) }),
  fc.record({ _tag: fc.constant("ErrorResponse" as const), error: name })
)

const pushNodeState: fc.Arbitrary<PushNodeState> = fc.record({
  name,
  address,
  meta: bytes(100),
  incarnation: u32,
  state: fc.constantFrom<NodeState>(0, 1, 2, 3),
  versions
})

export const pushPull: fc.Arbitrary<PushPull> = fc.record({
  _tag: fc.constant("PushPull" as const),
  join: fc.boolean(),
  states: fc.array(pushNodeState, { maxLength: 20 }),
  userState: bytes(2000)
})

export const streamMessage: fc.Arbitrary<StreamMessage> = fc.oneof(
  pushPull,
  packetMessage.filter((m) => m._tag === "Ping" || m._tag === "Ack" || m._tag === "ErrorResponse" || m._tag === "User")
)

export const key = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
