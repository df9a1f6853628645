/**
 * The one error every wire decoder returns. Decoders never throw: they return
 * `Either.left(new DecodeError(...))`, and the shell counts and logs the
 * `reason` before dropping the packet.
 *
 * @internal
 */
import { Data } from "effect"

/** Why a packet or stream frame was rejected. Kept small and stable: metrics are labelled by it. */
export type DecodeErrorReason =
  | "Truncated" // a declared length runs past the end of the data
  | "UnknownType" // a message type byte we do not know
  | "Malformed" // msgpack that is not what the message needs (wrong kind, missing field)
  | "Oversized" // a field or a whole message over its limit
  | "BadCompound" // a compound header or part that does not add up
  | "BadCompression" // an unknown algorithm or a corrupt LZW stream
  | "BadChecksum" // a CRC that does not match
  | "BadLabel" // a missing, unexpected or different label
  | "DecryptFailed" // no key in the keyring opens it, or a bad encryption version
  | "Unencrypted" // plaintext where encryption is required
  | "TrailingBytes" // data left after a complete message

/** A packet or stream frame that could not be decoded. */
export class DecodeError extends Data.TaggedError("DecodeError")<{
  readonly reason: DecodeErrorReason
  readonly message: string
}> {}

/**
 * Shorthand for building a `DecodeError`, without a stack trace: the error
 * says what was wrong with the input (`reason`, `message`), and where in the
 * decoder it was noticed is of no use to anyone. Capturing the stack was
 * most of what a malformed datagram cost its receiver.
 */
export const decodeError = (reason: DecodeErrorReason, message: string): DecodeError => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new DecodeError({ reason, message })
  } finally {
    Error.stackTraceLimit = limit
  }
}
