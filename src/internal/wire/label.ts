/**
 * The label header, as upstream hashicorp/memberlist's label.go writes it (it
 * is not in Debian's 0.2.2): type byte 244, the label's length in one byte
 * (1..255), the label's bytes. Packets and streams use the same header; a
 * packet carries it in front of everything else (before encryption), a
 * stream sends it once, first. An empty label means no header at all.
 *
 * @internal
 */
import { Either } from "effect"
import { type DecodeError, decodeError } from "./errors.js"
import { MessageType } from "./messageType.js"

/** The longest label, in UTF-8 bytes (the length is a single byte). */
const LABEL_MAX_SIZE = 255

const encoder = new TextEncoder()
// Fatal: Go compares labels byte for byte, so two different invalid byte
// sequences must not both decode to the same replacement characters.
const decoder = new TextDecoder("utf-8", { fatal: true })

/** A label's bytes, or `Oversized` when it is longer than 255 UTF-8 bytes. Check configured labels with it. */
export const encodeLabel = (label: string): Either.Either<Uint8Array, DecodeError> => {
  const bytes = encoder.encode(label)
  return bytes.length > LABEL_MAX_SIZE
    ? Either.left(decodeError("Oversized", `label is ${bytes.length} bytes; at most ${LABEL_MAX_SIZE}`))
    : Either.right(bytes)
}

/** Bytes the header adds for `label` (memberlist's `labelOverhead`): 0 when empty. */
export const labelOverhead = (label: string): number => {
  const size = encoder.encode(label).length
  return size === 0 ? 0 : 2 + size
}

/**
 * Prefixes `packet` with the label header; returns `packet` itself when the
 * label is empty, as memberlist does. For a stream, pass an empty `packet` to
 * get the header alone.
 *
 * The label must fit in 255 UTF-8 bytes - validate configuration with
 * `encodeLabel`; a longer one is a defect and throws.
 */
export const addLabelHeader = (label: string, packet: Uint8Array): Uint8Array => {
  if (label.length === 0) return packet
  const bytes = encoder.encode(label)
  if (bytes.length > LABEL_MAX_SIZE) throw new RangeError(`label is ${bytes.length} bytes; at most ${LABEL_MAX_SIZE}`)
  const out = new Uint8Array(2 + bytes.length + packet.length)
  out[0] = MessageType.HasLabel
  out[1] = bytes.length
  out.set(bytes, 2)
  out.set(packet, 2 + bytes.length)
  return out
}

/**
 * Splits a label header off a packet (or off the first bytes of a stream).
 * Without a header the label is `""` and `rest` is the input. With one, the
 * label must be 1..255 bytes of UTF-8 and entirely present: `BadLabel` for an
 * empty or non-UTF-8 label, `Truncated` when bytes are missing. `rest` is a
 * view into the input, not a copy.
 *
 * A stream reader that has only some bytes can call `labelHeaderSize` first.
 */
export const removeLabelHeader = (
  packet: Uint8Array
): Either.Either<{ readonly label: string; readonly rest: Uint8Array }, DecodeError> => {
  if (packet.length === 0 || packet[0] !== MessageType.HasLabel) return Either.right({ label: "", rest: packet })
  return Either.flatMap(labelHeaderSize(packet), (size) => {
    if (packet.length < size) return Either.left(decodeError("Truncated", "label header runs past the end of the data"))
    try {
      const label = decoder.decode(packet.subarray(2, size))
      return Either.right({ label, rest: packet.subarray(size) })
    } catch {
      return Either.left(decodeError("BadLabel", "label is not valid UTF-8"))
    }
  })
}

/**
 * How many bytes the label header at the start of `prefix` occupies: 0 when
 * there is none (`prefix` is empty or does not start with 244), else 2 plus
 * the label length. Needs the first 2 bytes when a header is present
 * (`Truncated` otherwise); `BadLabel` when the declared length is 0.
 */
export const labelHeaderSize = (prefix: Uint8Array): Either.Either<number, DecodeError> => {
  if (prefix.length === 0 || prefix[0] !== MessageType.HasLabel) return Either.right(0)
  if (prefix.length < 2) return Either.left(decodeError("Truncated", "label header has no length byte"))
  const size = prefix[1]!
  if (size === 0) return Either.left(decodeError("BadLabel", "label header cannot be empty when present"))
  return Either.right(2 + size)
}
