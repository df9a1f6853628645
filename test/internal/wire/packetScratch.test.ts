/**
 * `decodePacket` keeps one decoding context for every packet and reads a bare message straight into an
 * array of one (packet.ts). Neither may show: a packet's messages are its own after later packets are
 * decoded, a packet that fails leaves nothing behind for the next, and a message reads the same bare,
 * in a compound or compressed.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { defaultVersions } from "../../../src/internal/swim/config.js"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"
import { MessageType } from "../../../src/internal/wire/messageType.js"
import { type DecodedPacket, decodePacket, encodePacket } from "../../../src/internal/wire/packet.js"

const alive = (node: string, incarnation: number): PacketMessage => ({
  _tag: "Alive",
  incarnation,
  node,
  address: { host: "127.0.0.1", port: 7000 + incarnation },
  meta: Uint8Array.of(incarnation),
  versions: defaultVersions
})
const ack = (seqNo: number): PacketMessage => ({ _tag: "Ack", seqNo, payload: Uint8Array.of(1, 2, 3) })

const decoded = (bytes: Uint8Array): DecodedPacket => {
  const result = decodePacket(bytes)
  if (Either.isLeft(result)) throw new Error(`did not decode: ${result.left.message}`)
  return result.right
}

describe("decodePacket's kept context", () => {
  it("a packet's messages stay its own while later packets are decoded", () => {
    const sent = [alive("scratch-a", 1), ack(7), alive("scratch-b", 2)]
    const first = decoded(encodePacket(sent, { compress: true, crc: true }))
    const second = decoded(encodePacket([ack(8)], { crc: true }))
    const third = decoded(encodePacket([alive("scratch-c", 3), ack(9)]))
    expect(first.messages).toEqual(sent)
    expect(second.messages).toEqual([ack(8)])
    expect(third.messages).toEqual([alive("scratch-c", 3), ack(9)])
    expect(first.messages).not.toBe(third.messages)
  })

  it("a packet that fails part way leaves nothing in the next packet's messages", () => {
    const good = encodePacket([alive("scratch-d", 1), ack(1)])
    // The same compound with its last part's type byte made unknown: the first part decodes, then it fails.
    const bad = good.slice()
    const lastPart = bad.length - encodePacket([ack(1)]).length
    bad[lastPart] = 250
    expect(bad[0]).toBe(MessageType.Compound)
    const failed = decodePacket(bad)
    expect(Either.isLeft(failed) && failed.left.reason).toBe("UnknownType")
    expect(decoded(encodePacket([ack(2)])).messages).toEqual([ack(2)])
    expect(decoded(good).messages).toEqual([alive("scratch-d", 1), ack(1)])
  })

  it("a message reads the same bare, in a compound and compressed", () => {
    const message = alive("scratch-e", 4)
    const bare = decoded(encodePacket([message], { crc: true }))
    const compressed = decoded(encodePacket([message, message], { compress: true }))
    expect(bare.messages).toEqual([message])
    expect(bare.truncated).toBe(0)
    expect(compressed.messages).toEqual([message, message])
    expect(decodePacket(new Uint8Array(0))).toEqual(Either.left(expect.objectContaining({ reason: "Truncated" })))
  })
})
