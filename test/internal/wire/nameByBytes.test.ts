/**
 * Member names found by their bytes (canonical.ts `knownName`, fields.ts `readName`): a name the
 * process already read is taken from the index with no string built, and every name still decodes to
 * what was sent - ASCII or not, short or long, and when two names share the index's hash.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { defaultVersions } from "../../../src/internal/swim/config.js"
import type { Alive } from "../../../src/internal/swim/messages.js"
import * as Canonical from "../../../src/internal/wire/canonical.js"
import { MessageType } from "../../../src/internal/wire/messageType.js"
import { decodeMessage, encodeMessage } from "../../../src/internal/wire/messages.js"
import { MsgpackWriter } from "../../../src/internal/wire/msgpack.js"

const utf8 = new TextEncoder()
const bytesOf = (text: string) => utf8.encode(text)

const aliveOf = (node: string): Alive => ({
  _tag: "Alive",
  incarnation: 1,
  node,
  address: { host: "127.0.0.1", port: 7946 },
  meta: new Uint8Array(0),
  versions: defaultVersions
})

const decodedName = (node: string): string => {
  const decoded = decodeMessage(encodeMessage(aliveOf(node)))
  if (Either.isLeft(decoded) || decoded.right._tag !== "Alive") throw new Error(`the alive of ${node} did not decode`)
  return decoded.right.node
}

/** An alive whose Node field is written with `writeName` (a string, or bin, which a name must not be). */
const aliveWithName = (writeName: (w: MsgpackWriter) => void): Uint8Array => {
  const w = new MsgpackWriter(128)
  w.byte(MessageType.Alive).map(4)
  w.string("Addr").byte(0xa4).raw(Uint8Array.of(127, 0, 0, 1))
  w.string("Incarnation").uint(1)
  w.string("Node")
  writeName(w)
  w.string("Port").uint(7946)
  return w.finish()
}

describe("member names found by their bytes", () => {
  it("a name is indexed once read, and found by its bytes after", () => {
    const name = "by-bytes-node-1"
    const bytes = bytesOf(name)
    expect(Canonical.knownName(bytes, 0, bytes.length)).toBeUndefined()
    const first = decodedName(name)
    expect(first).toBe(name)
    expect(Canonical.knownName(bytes, 0, bytes.length)).toBe(first)
    // Found inside a larger buffer too, at its offset.
    const framed = new Uint8Array([9, 9, ...bytes, 9])
    expect(Canonical.knownName(framed, 2, bytes.length)).toBe(first)
    expect(decodedName(name)).toBe(first)
    // A prefix or a longer name with the same start is not it.
    expect(Canonical.knownName(bytes, 0, bytes.length - 1)).toBeUndefined()
  })

  it("names that are not ASCII, long or empty decode to what was sent, read once or many times", () => {
    const names = ["nœud-1", "節點-2", "x".repeat(300), "a", "long-".repeat(20)]
    for (const name of names) {
      expect(decodedName(name)).toBe(name)
      expect(decodedName(name)).toBe(name)
    }
    // Only ASCII names are indexed: their bytes are their character codes.
    const accented = bytesOf("nœud-1")
    expect(Canonical.knownName(accented, 0, accented.length)).toBeUndefined()
  })

  it("two names with the same hash both decode to themselves", () => {
    // A birthday search over ASCII names for two that share the index's 32-bit hash (expected near 77,000).
    const seen = new Map<number, string>()
    let pair: [string, string] | undefined
    for (let i = 0; i < 400_000 && pair === undefined; i++) {
      const name = `collide-${i}`
      const bytes = bytesOf(name)
      const h = Canonical.nameHash(bytes, 0, bytes.length)
      const other = seen.get(h)
      if (other !== undefined) pair = [other, name]
      else seen.set(h, name)
    }
    expect(pair).toBeDefined()
    const [first, second] = pair!
    expect(decodedName(first)).toBe(first)
    expect(decodedName(second)).toBe(second)
    expect(decodedName(second)).toBe(second)
    const secondBytes = bytesOf(second)
    // The hash stays with the name indexed first; the other is read the slow way, rightly.
    expect(Canonical.knownName(secondBytes, 0, secondBytes.length)).toBeUndefined()
    expect(decodedName(first)).toBe(first)
  })

  it("a name a ping or an accusation claims is found when known, and not made canonical when not", () => {
    const member = decodedName("by-bytes-member")
    const ping = decodeMessage(encodeMessage({
      _tag: "Ping",
      seqNo: 1,
      node: "by-bytes-member",
      source: { address: { host: "127.0.0.1", port: 7946 }, node: "by-bytes-stranger" }
    }))
    if (Either.isLeft(ping) || ping.right._tag !== "Ping") throw new Error("the ping did not decode")
    expect(ping.right.node).toBe(member)
    expect(ping.right.source?.node).toBe("by-bytes-stranger")
    const stranger = bytesOf("by-bytes-stranger")
    expect(Canonical.knownName(stranger, 0, stranger.length)).toBeUndefined()
    const suspect = decodeMessage(encodeMessage({ _tag: "Suspect", incarnation: 2, node: "by-bytes-member", from: "by-bytes-other" }))
    expect(Either.isRight(suspect) && suspect.right._tag === "Suspect" && suspect.right.node).toBe(member)
    const other = bytesOf("by-bytes-other")
    expect(Canonical.knownName(other, 0, other.length)).toBeUndefined()
  })

  it("a name sent as bin, or cut short, is refused as it was before the index", () => {
    decodedName("bin-name")
    const asBin = decodeMessage(aliveWithName((w) => w.byte(0xc4).byte(8).raw(bytesOf("bin-name"))))
    expect(Either.isLeft(asBin) && asBin.left.reason).toBe("Malformed")
    expect(Either.isLeft(asBin) && asBin.left.message).toContain("bin where a string is expected")
    const cut = aliveWithName((w) => w.byte(0xa0 | 8).raw(bytesOf("bin-name")))
    const truncated = decodeMessage(cut.subarray(0, cut.length - 10))
    expect(Either.isLeft(truncated)).toBe(true)
    const nil = decodeMessage(aliveWithName((w) => w.nil()))
    expect(Either.isRight(nil) && nil.right._tag === "Alive" && nil.right.node).toBe("")
  })
})
