/**
 * How this member wraps and unwraps packets and streams: label, keyring
 * (encrypt with the primary key, decrypt with any), compression, CRC for
 * peers that speak protocol 5 as `packetCrc` says (wire/crcPolicy.ts).
 *
 * Label, compression and whether the member encrypts at all come from its
 * configuration, once. The keys come from the member's live keyring, read
 * for every packet and at the start of every stream, so a key installed,
 * made primary or removed counts from the next packet on.
 *
 * @internal
 */
import type { SwimConfigShape } from "../../SwimConfig.js"
import type { PacketMessage } from "../swim/messages.js"
import { CRC_OVERHEAD } from "../wire/crc32.js"
import { packetWantsCrc } from "../wire/crcPolicy.js"
import { encryptOverhead } from "../wire/encryption.js"
import type { Keyring } from "../wire/keyring.js"
import { labelOverhead } from "../wire/label.js"
import type { DecodePacketOptions, EncodePacketOptions } from "../wire/packet.js"
import type { DecodeStreamOptions, EncodeStreamOptions } from "../wire/stream.js"
import { encryptionVersionFor } from "../wire/versions.js"

/** Everything the shell needs to encode and decode, as of now. */
export interface WireOptions {
  /** Options with or without the CRC frame, as the caller decided. */
  readonly packet: (crc: boolean) => EncodePacketOptions
  /**
   * Options for a packet of `messages` to a peer that does (`peerReadsCrc`)
   * or does not read the CRC frame: framed as the `packetCrc` policy says.
   */
  readonly packetOf: (peerReadsCrc: boolean, messages: ReadonlyArray<PacketMessage>) => EncodePacketOptions
  readonly decodePacket: () => DecodePacketOptions
  readonly stream: () => EncodeStreamOptions
  readonly decodeStream: () => DecodeStreamOptions
  /**
   * The core's packet budget: UDP size less every wrapper's worst case. Fixed:
   * the keyring of a member that encrypts is never empty, and one that does not
   * cannot get one (`EncryptionDisabled`), so the overhead never changes.
   */
  readonly packetBudget: number
}

interface Derived {
  readonly withCrc: EncodePacketOptions
  readonly withoutCrc: EncodePacketOptions
  readonly encrypted: boolean
  readonly decode: DecodePacketOptions & DecodeStreamOptions
}

/** The options for a configuration, with keys from `keyring` (undefined: no encryption). */
export const makeWireOptions = (config: SwimConfigShape, keyring: () => Keyring | undefined): WireOptions => {
  const version = encryptionVersionFor(config.protocolVersion)
  const label = config.label
  const plain = {
    ...(config.compression ? { compress: true } : {}),
    ...(label !== "" ? { label } : {})
  }
  const derive = (ring: Keyring | undefined): Derived => {
    const base = ring === undefined ? plain : { ...plain, encryption: { key: ring.primary, version } }
    return {
      withCrc: { ...base, crc: true },
      withoutCrc: base,
      encrypted: ring !== undefined,
      decode: { ...(ring !== undefined ? { keyring: ring } : {}), ...(label !== "" ? { label } : {}) }
    }
  }
  // Rebuilt only when the keyring value changes (it is immutable: a new value is a change).
  let ring = keyring()
  let derived = derive(ring)
  const now = (): Derived => {
    const latest = keyring()
    if (latest !== ring) {
      ring = latest
      derived = derive(latest)
    }
    return derived
  }
  return {
    packet: (crc) => (crc ? now().withCrc : now().withoutCrc),
    packetOf: (peerReadsCrc, messages) => {
      const d = now()
      return packetWantsCrc(config.packetCrc, peerReadsCrc, d.encrypted, messages) ? d.withCrc : d.withoutCrc
    },
    decodePacket: () => now().decode,
    stream: () => now().withoutCrc,
    decodeStream: () => now().decode,
    packetBudget: config.udpBufferSize - CRC_OVERHEAD - labelOverhead(label) -
      (ring === undefined ? 0 : encryptOverhead(version))
  }
}
