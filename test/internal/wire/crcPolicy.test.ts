/**
 * Which packets carry the CRC frame, by policy, peer and encryption: the
 * pure decision (`packetWantsCrc`) and the shell's options built on it
 * (`makeWireOptions(...).packetOf`), down to the first byte on the wire.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as SwimConfig from "../../../src/SwimConfig.js"
import { makeWireOptions } from "../../../src/internal/shell/wireOptions.js"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"
import type { CrcPolicy } from "../../../src/internal/wire/crcPolicy.js"
import { crcPolicies, packetWantsCrc } from "../../../src/internal/wire/crcPolicy.js"
import { decryptPayload } from "../../../src/internal/wire/encryption.js"
import * as Keyring from "../../../src/internal/wire/keyring.js"
import { MessageType } from "../../../src/internal/wire/messageType.js"
import { decodePacket, encodePacket } from "../../../src/internal/wire/packet.js"

const address = { host: "10.0.0.1", port: 7946 }
const ping: PacketMessage = { _tag: "Ping", seqNo: 7, node: "b", source: { address, node: "a" } }
const ack: PacketMessage = { _tag: "Ack", seqNo: 7, payload: new Uint8Array(0) }
const nack: PacketMessage = { _tag: "Nack", seqNo: 7 }
const indirect: PacketMessage = { _tag: "IndirectPing", seqNo: 8, target: address, node: "c", nack: true }
const ackWithPayload: PacketMessage = { _tag: "Ack", seqNo: 7, payload: new Uint8Array([1, 2, 3]) }
const alive: PacketMessage = {
  _tag: "Alive",
  incarnation: 2,
  node: "c",
  address,
  meta: new Uint8Array(0),
  versions: [1, 5, 2, 0, 0, 0]
}
const suspect: PacketMessage = { _tag: "Suspect", incarnation: 1, node: "c", from: "a" }
const dead: PacketMessage = { _tag: "Dead", incarnation: 1, node: "c", from: "a" }
const user: PacketMessage = { _tag: "User", payload: new Uint8Array([9]) }

/** Packets whose corruption can only look like a loss. */
const bareProbes: ReadonlyArray<ReadonlyArray<PacketMessage>> = [[ping], [ack], [nack], [indirect], [ping, ack], [
  indirect,
  nack
]]
/** Packets a flipped bit could turn into a wrong belief or wrong user data. */
const withState: ReadonlyArray<ReadonlyArray<PacketMessage>> = [[alive], [suspect], [dead], [user], [ackWithPayload], [
  ping,
  suspect
], [ack, alive, dead]]

describe("packetWantsCrc", () => {
  it("withState frames packets with claims, user data or an ack payload, and not bare probes", () => {
    for (const messages of bareProbes) expect(packetWantsCrc("withState", true, false, messages)).toBe(false)
    for (const messages of withState) expect(packetWantsCrc("withState", true, false, messages)).toBe(true)
  })

  it("always frames every packet, never frames none", () => {
    for (const messages of [...bareProbes, ...withState]) {
      expect(packetWantsCrc("always", true, false, messages)).toBe(true)
      expect(packetWantsCrc("never", true, false, messages)).toBe(false)
    }
  })

  it("no policy frames a packet to a peer that cannot read the frame, or an encrypted one", () => {
    for (const policy of crcPolicies) {
      for (const messages of [...bareProbes, ...withState]) {
        expect(packetWantsCrc(policy, false, false, messages)).toBe(false)
        expect(packetWantsCrc(policy, true, true, messages)).toBe(false)
      }
    }
  })
})

describe("makeWireOptions(...).packetOf", () => {
  const key = new Uint8Array(16).fill(3)
  const ring = Either.getOrThrow(Keyring.make([key]))
  const wire = (packetCrc: CrcPolicy, encrypted: boolean) =>
    makeWireOptions(SwimConfig.lan({ name: "a", packetCrc, compression: true }), () => (encrypted ? ring : undefined))
  /** The first byte of the plaintext, under any encryption: 12 when the packet is framed. */
  const firstPlainByte = (bytes: Uint8Array, encrypted: boolean): number =>
    encrypted ? Either.getOrThrow(decryptPayload([key], bytes, new Uint8Array(0)))[0]! : bytes[0]!

  it("puts the CRC frame on the wire exactly where the policy says, and the packet still decodes", () => {
    for (const policy of crcPolicies) {
      for (const encrypted of [false, true]) {
        const w = wire(policy, encrypted)
        for (const messages of [...bareProbes, ...withState]) {
          for (const peerReadsCrc of [false, true]) {
            const bytes = encodePacket(messages, w.packetOf(peerReadsCrc, messages))
            const framed = firstPlainByte(bytes, encrypted) === MessageType.HasCrc
            expect(framed, `${policy} encrypted=${encrypted} ${messages.map((m) => m._tag)}`).toBe(
              packetWantsCrc(policy, peerReadsCrc, encrypted, messages)
            )
            const decoded = Either.getOrThrow(decodePacket(bytes, w.decodePacket()))
            expect(decoded.messages.map((m) => m._tag)).toEqual(messages.map((m) => m._tag))
          }
        }
      }
    }
  })

  it("the default is withState", () => {
    expect(SwimConfig.lan({ name: "a" }).packetCrc).toBe("withState")
    expect(SwimConfig.local({ name: "a" }).packetCrc).toBe("withState")
  })
})
