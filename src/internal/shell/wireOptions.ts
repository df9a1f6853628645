/**
 * How this member wraps and unwraps packets and streams, derived once from
 * its configuration: label, keyring (encrypt with the first key, decrypt with
 * any), compression, CRC for peers that speak protocol 5.
 *
 * @internal
 */
import type { SwimConfigShape } from "../../SwimConfig.js"
import { CRC_OVERHEAD } from "../wire/crc32.js"
import { encryptOverhead } from "../wire/encryption.js"
import { labelOverhead } from "../wire/label.js"
import type { DecodePacketOptions, EncodePacketOptions } from "../wire/packet.js"
import type { DecodeStreamOptions, EncodeStreamOptions } from "../wire/stream.js"
import { encryptionVersionFor } from "../wire/versions.js"

/** Everything the shell needs to encode and decode. */
export interface WireOptions {
  readonly packet: (crc: boolean) => EncodePacketOptions
  readonly decodePacket: DecodePacketOptions
  readonly stream: EncodeStreamOptions
  readonly decodeStream: DecodeStreamOptions
  /** The core's packet budget: UDP size less every wrapper's worst case. */
  readonly packetBudget: number
}

/** The options for a configuration. */
export const makeWireOptions = (config: SwimConfigShape): WireOptions => {
  const version = encryptionVersionFor(config.protocolVersion)
  const primary = config.secretKeys[0]
  const encryption = primary === undefined ? undefined : { key: primary, version }
  const label = config.label
  const base = {
    ...(config.compression ? { compress: true } : {}),
    ...(encryption !== undefined ? { encryption } : {}),
    ...(label !== "" ? { label } : {})
  }
  const withCrc: EncodePacketOptions = { ...base, crc: true }
  const withoutCrc: EncodePacketOptions = base
  const keyring = config.secretKeys.length > 0 ? { keyring: { keys: config.secretKeys } } : {}
  const decodeBase = { ...keyring, ...(label !== "" ? { label } : {}) }
  return {
    packet: (crc) => (crc ? withCrc : withoutCrc),
    decodePacket: decodeBase,
    stream: base,
    decodeStream: decodeBase,
    packetBudget: config.udpBufferSize - CRC_OVERHEAD - labelOverhead(label) -
      (encryption === undefined ? 0 : encryptOverhead(version))
  }
}
