/**
 * CRC32 (IEEE, as Go's `crc32.ChecksumIEEE`) and memberlist's `hasCrc`
 * framing: type byte 12, the payload's CRC as 4 big-endian bytes, then the
 * payload. memberlist adds it to UDP packets for peers speaking protocol 5 or
 * later, inside the encryption (net.go, `rawSendMsgPacket` / `ingestPacket`).
 *
 * @internal
 */
import * as zlib from "node:zlib"
import { Either } from "effect"
import { type DecodeError, decodeError } from "./errors.js"
import { MessageType } from "./messageType.js"
import { uninitializedBytes } from "./pooledBytes.js"

/** Bytes the framing adds in front of a payload. */
export const CRC_OVERHEAD = 5

// Slicing-by-8 tables: table k maps a byte to its CRC contribution k bytes
// ahead, so the loop consumes 8 bytes per step instead of one.
const TABLES: ReadonlyArray<Uint32Array> = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256))
  const t0 = tables[0]!
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t0[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!
    for (let k = 1; k < 8; k++) {
      c = t0[c & 0xff]! ^ (c >>> 8)
      tables[k]![n] = c >>> 0
    }
  }
  return tables
})()

/** The portable implementation; exported so tests can check it against the native one. */
export const crc32Portable = (data: Uint8Array): number => {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array
  ]
  let crc = 0xffffffff
  let i = 0
  const n = data.length
  const end8 = n - (n % 8)
  while (i < end8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))
    crc =
      t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!
    i += 8
  }
  while (i < n) crc = t0[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

// zlib.crc32 (Node >= 20.15) is the same IEEE CRC in native code; fall back
// to the portable one on older Node 20 releases.
const nativeCrc32: ((data: Uint8Array) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === "function"
    ? (zlib as unknown as { crc32: (data: Uint8Array) => number }).crc32
    : undefined

/** CRC32 with the IEEE polynomial, the value Go's `crc32.ChecksumIEEE` returns (unsigned). */
export const crc32: (data: Uint8Array) => number = nativeCrc32 ?? crc32Portable

/** Frames a payload as memberlist's `hasCrc` message: 12, CRC32 big-endian, payload. */
export const addCrc = (payload: Uint8Array): Uint8Array => {
  // Every byte is written below: the type, the CRC, then the payload.
  const out = uninitializedBytes(CRC_OVERHEAD + payload.length)
  const crc = crc32(payload)
  out[0] = MessageType.HasCrc
  out[1] = crc >>> 24
  out[2] = crc >>> 16
  out[3] = crc >>> 8
  out[4] = crc
  out.set(payload, CRC_OVERHEAD)
  return out
}

/**
 * Checks and strips a `hasCrc` frame, returning the payload (a view, no copy).
 * Fails with `Malformed` when the first byte is not 12, `Truncated` when the
 * 4 CRC bytes are not all there, `BadChecksum` when the CRC does not match.
 *
 * Only call it on a packet whose first byte is 12: memberlist passes any
 * other packet through unchecked, and so should the caller.
 */
export const checkCrc = (packet: Uint8Array): Either.Either<Uint8Array, DecodeError> => {
  if (packet[0] !== MessageType.HasCrc) {
    return Either.left(decodeError("Malformed", "not a CRC frame (type byte 12)"))
  }
  if (packet.length < CRC_OVERHEAD) {
    return Either.left(decodeError("Truncated", "a CRC frame needs 4 CRC bytes after its type byte"))
  }
  const expected = ((packet[1]! << 24) | (packet[2]! << 16) | (packet[3]! << 8) | packet[4]!) >>> 0
  const payload = packet.subarray(CRC_OVERHEAD)
  const actual = crc32(payload)
  return actual === expected
    ? Either.right(payload)
    : Either.left(decodeError("BadChecksum", `CRC ${hex(actual)} does not match ${hex(expected)}`))
}

const hex = (n: number): string => n.toString(16).padStart(8, "0")
