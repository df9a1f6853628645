/**
 * memberlist's AES-GCM envelope (security.go), for packets and stream frames.
 *
 * Layout: version byte, 12-byte random nonce, ciphertext, 16-byte tag. The key
 * length picks AES-128, -192 or -256. Version 0 pads the plaintext with PKCS7
 * to a multiple of 16 before sealing (memberlist speaks it at protocol version
 * 1); version 1 does not pad. Packets are sealed with the cluster label as
 * additional data; stream frames with their 5-byte header (encryptMsg and the
 * big-endian length) followed by the stream label. The label parts follow
 * upstream hashicorp/memberlist; Debian's 0.2.2 passes no additional data for
 * packets and the bare header for streams, which is the same thing when the
 * label is empty.
 *
 * @internal
 */
import { createCipheriv, createDecipheriv, randomFillSync } from "node:crypto"
import { Either } from "effect"
import { type DecodeError, decodeError } from "./errors.js"
import { MessageType } from "./messageType.js"

/** The encryption versions memberlist can send: 0 (PKCS7-padded) and 1 (unpadded). */
export type EncryptionVersion = 0 | 1

/** Bytes of a stream frame header: `encryptMsg` and a 4-byte big-endian length. */
export const STREAM_FRAME_HEADER = 5

const VERSION_SIZE = 1
const NONCE_SIZE = 12
const TAG_SIZE = 16
const BLOCK_SIZE = 16
const HEADER = VERSION_SIZE + NONCE_SIZE

const EMPTY = new Uint8Array(0)

/**
 * The most encryption can add to a payload, as memberlist's `encryptOverhead`:
 * 45 bytes for version 0 (version, nonce, up to 16 bytes of padding, tag), 29
 * for version 1. Packet budgets subtract it.
 */
export const encryptOverhead = (version: EncryptionVersion): number =>
  version === 0 ? HEADER + BLOCK_SIZE + TAG_SIZE : HEADER + TAG_SIZE

/** The exact sealed size of a `plaintextLength`-byte payload (memberlist's `encryptedLength`). */
export const encryptedLength = (version: EncryptionVersion, plaintextLength: number): number =>
  version === 0
    ? HEADER + plaintextLength + (BLOCK_SIZE - (plaintextLength % BLOCK_SIZE)) + TAG_SIZE
    : HEADER + plaintextLength + TAG_SIZE

const cipherName = (keyLength: number): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" | undefined =>
  keyLength === 16 ? "aes-128-gcm" : keyLength === 24 ? "aes-192-gcm" : keyLength === 32 ? "aes-256-gcm" : undefined

// PKCS7 pads for every possible pad length, shared and never written to.
const PADS: ReadonlyArray<Uint8Array> = Array.from({ length: BLOCK_SIZE + 1 }, (_, n) => new Uint8Array(n).fill(n))

/** Seals `plaintext` into `out` at `offset`, which must have `encryptedLength` bytes free. */
const sealInto = (
  out: Uint8Array,
  offset: number,
  version: EncryptionVersion,
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  nonce: Uint8Array | undefined
): void => {
  const name = cipherName(key.length)
  if (name === undefined) {
    // A Keyring only ever holds valid keys; anything else is a programming error.
    throw new RangeError(`AES key must be 16, 24 or 32 bytes, got ${key.length}`)
  }
  out[offset] = version
  const nonceAt = offset + VERSION_SIZE
  if (nonce === undefined) {
    randomFillSync(out, nonceAt, NONCE_SIZE)
  } else {
    if (nonce.length !== NONCE_SIZE) throw new RangeError(`nonce must be ${NONCE_SIZE} bytes, got ${nonce.length}`)
    out.set(nonce, nonceAt)
  }
  const cipher = createCipheriv(name, key, out.subarray(nonceAt, nonceAt + NONCE_SIZE), { authTagLength: TAG_SIZE })
  if (aad.length > 0) cipher.setAAD(aad)
  let at = offset + HEADER
  const body = cipher.update(plaintext)
  out.set(body, at)
  at += body.length
  if (version === 0) {
    const padded = cipher.update(PADS[BLOCK_SIZE - (plaintext.length % BLOCK_SIZE)]!)
    out.set(padded, at)
    at += padded.length
  }
  const rest = cipher.final()
  out.set(rest, at)
  at += rest.length
  out.set(cipher.getAuthTag(), at)
}

/**
 * Seals `plaintext` the way memberlist's `encryptPayload` does, returning
 * version, nonce, ciphertext and tag. `aad` is the additional authenticated
 * data (the packet label, or a stream frame's header and label). `nonce`
 * (12 bytes) is for deterministic tests only; by default it is random.
 *
 * `key` must be 16, 24 or 32 bytes (a `Keyring` guarantees it); another length
 * is a defect and throws.
 */
export const encryptPayload = (
  version: EncryptionVersion,
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = EMPTY,
  nonce?: Uint8Array
): Uint8Array => {
  const out = new Uint8Array(encryptedLength(version, plaintext.length))
  sealInto(out, 0, version, key, plaintext, aad, nonce)
  return out
}

/** Opens with one key; undefined when the tag does not verify. */
const openWith = (key: Uint8Array, data: Uint8Array, aad: Uint8Array): Uint8Array | undefined => {
  const name = cipherName(key.length)
  if (name === undefined) return undefined
  try {
    const decipher = createDecipheriv(name, key, data.subarray(VERSION_SIZE, HEADER), { authTagLength: TAG_SIZE })
    decipher.setAuthTag(data.subarray(data.length - TAG_SIZE))
    if (aad.length > 0) decipher.setAAD(aad)
    const plain = decipher.update(data.subarray(HEADER, data.length - TAG_SIZE))
    // final() throws when the tag does not verify; the plaintext is then discarded.
    decipher.final()
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.length)
  } catch {
    return undefined
  }
}

/**
 * Opens a payload sealed by `encryptPayload` (ours or memberlist's, either
 * version), trying each key in order as memberlist does. Fails with
 * `DecryptFailed` for an empty payload, an unknown version, no key that opens
 * it, or bad PKCS7 padding; `Truncated` when it is shorter than the smallest
 * sealed payload of its version.
 */
export const decryptPayload = (
  keys: ReadonlyArray<Uint8Array>,
  data: Uint8Array,
  aad: Uint8Array = EMPTY
): Either.Either<Uint8Array, DecodeError> => {
  if (data.length === 0) return Either.left(decodeError("DecryptFailed", "cannot decrypt an empty payload"))
  const version = data[0]!
  if (version !== 0 && version !== 1) {
    return Either.left(decodeError("DecryptFailed", `unsupported encryption version ${version}`))
  }
  if (data.length < encryptedLength(version, 0)) {
    return Either.left(decodeError("Truncated", `encrypted payload too small: ${data.length} bytes`))
  }
  for (const key of keys) {
    const plain = openWith(key, data, aad)
    if (plain === undefined) continue
    if (version === 1) return Either.right(plain)
    // memberlist trusts the pad byte blindly (and panics past the start);
    // only a key holder can get here, but we still refuse nonsense.
    const pad = plain.length > 0 ? plain[plain.length - 1]! : 0
    if (pad < 1 || pad > BLOCK_SIZE || pad > plain.length) {
      return Either.left(decodeError("DecryptFailed", "bad PKCS7 padding"))
    }
    return Either.right(plain.subarray(0, plain.length - pad))
  }
  return Either.left(decodeError("DecryptFailed", "no installed key could decrypt the message"))
}

/** The additional data of a stream frame: its 5-byte header, then the label bytes. */
const streamAad = (frame: Uint8Array, label: Uint8Array): Uint8Array => {
  const aad = new Uint8Array(STREAM_FRAME_HEADER + label.length)
  aad.set(frame.subarray(0, STREAM_FRAME_HEADER))
  aad.set(label, STREAM_FRAME_HEADER)
  return aad
}

/**
 * Seals a stream message as memberlist's `encryptLocalState`: `encryptMsg`
 * (10), the sealed length as 4 big-endian bytes, then the sealed payload, with
 * those 5 header bytes and the stream label (UTF-8 bytes, empty when none) as
 * additional data. A label header, if any, goes before this frame.
 */
export const encryptStreamFrame = (
  version: EncryptionVersion,
  key: Uint8Array,
  plaintext: Uint8Array,
  label: Uint8Array = EMPTY,
  nonce?: Uint8Array
): Uint8Array => {
  const sealed = encryptedLength(version, plaintext.length)
  const out = new Uint8Array(STREAM_FRAME_HEADER + sealed)
  out[0] = MessageType.Encrypt
  new DataView(out.buffer).setUint32(1, sealed, false)
  sealInto(out, STREAM_FRAME_HEADER, version, key, plaintext, streamAad(out, label), nonce)
  return out
}

/**
 * Reads the sealed length from a stream frame's first 5 bytes, so a reader
 * knows how much more to read. Fails with `Malformed` when the first byte is
 * not `encryptMsg`, `Truncated` with fewer than 5 bytes, and `Oversized` when
 * the length exceeds `maxLength` (memberlist allows 20 MiB of push/pull state).
 */
export const streamFrameLength = (header: Uint8Array, maxLength: number): Either.Either<number, DecodeError> => {
  if (header.length < STREAM_FRAME_HEADER) return Either.left(decodeError("Truncated", "stream frame header needs 5 bytes"))
  if (header[0] !== MessageType.Encrypt) return Either.left(decodeError("Malformed", "stream frame does not start with encryptMsg"))
  const length = ((header[1]! << 24) | (header[2]! << 16) | (header[3]! << 8) | header[4]!) >>> 0
  return length > maxLength
    ? Either.left(decodeError("Oversized", `stream frame of ${length} bytes exceeds ${maxLength}`))
    : Either.right(length)
}

/**
 * Opens a whole stream frame (`encryptMsg`, length, sealed payload) sealed by
 * memberlist or `encryptStreamFrame`, with the stream label as additional
 * data. The declared length must match the bytes given exactly.
 */
export const decryptStreamFrame = (
  keys: ReadonlyArray<Uint8Array>,
  frame: Uint8Array,
  label: Uint8Array = EMPTY
): Either.Either<Uint8Array, DecodeError> =>
  Either.flatMap(streamFrameLength(frame, Number.MAX_SAFE_INTEGER), (length) => {
    const available = frame.length - STREAM_FRAME_HEADER
    if (available < length) return Either.left(decodeError("Truncated", `stream frame needs ${length} bytes, has ${available}`))
    if (available > length) return Either.left(decodeError("TrailingBytes", `${available - length} bytes after the stream frame`))
    return decryptPayload(keys, frame.subarray(STREAM_FRAME_HEADER), streamAad(frame, label))
  })
