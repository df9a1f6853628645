/**
 * The AES keys a cluster encrypts its gossip with, as HashiCorp memberlist
 * keeps them: every message is encrypted with the primary key, and a received
 * message is opened with whichever key on the ring fits, primary first. This
 * is what lets a cluster rotate keys without downtime: add the new key
 * everywhere, make it primary everywhere, then remove the old one.
 *
 * A keyring is an immutable value; operations return a new one, or a
 * `KeyringError` (never a throw). Keys are 16, 24 or 32 bytes (AES-128, -192,
 * -256); memberlist users usually hold them as base64 (`consul keygen`).
 *
 * @example
 * import { Either } from "effect"
 * import { Keyring } from "effect-memberlist"
 *
 * const newKey = new Uint8Array(32).fill(7)
 * const rotated = Keyring.fromBase64(["T9jncgl9mbLus+baTTa7q7nPSUrXwbDi2dhbtqir37s="]).pipe(
 *   Either.flatMap(Keyring.addKey(newKey)),
 *   Either.flatMap(Keyring.useKey(newKey))
 * )
 *
 * @since 0.1.0
 */
import type { Either } from "effect"
import * as internal from "./internal/wire/keyring.js"

/**
 * Brand of keyring values.
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * Brand of keyring values.
 *
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * An immutable set of AES keys. `keys[0]` is `primary`, the key outgoing
 * messages are encrypted with; decryption tries `keys` in order. Printing or
 * logging a keyring shows only how many keys it holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Keyring extends internal.Keyring {}

/**
 * Why a keyring operation was refused: `InvalidKeySize` (not 16, 24 or 32
 * bytes), `InvalidBase64`, `NoKeys`, `UnknownKey` (`useKey` of a key not on
 * the ring), `RemovePrimary`.
 *
 * @since 0.1.0
 * @category errors
 */
export type KeyringErrorReason = internal.KeyringErrorReason

/**
 * A keyring operation that was refused, with its `reason`.
 *
 * @since 0.1.0
 * @category errors
 */
export const KeyringError: typeof internal.KeyringError = internal.KeyringError

/**
 * A keyring operation that was refused, with its `reason`.
 *
 * @since 0.1.0
 * @category errors
 */
export type KeyringError = internal.KeyringError

/**
 * Whether a value is a keyring.
 *
 * @since 0.1.0
 * @category guards
 */
export const isKeyring: (u: unknown) => u is Keyring = internal.isKeyring

/**
 * Builds a keyring from raw keys. `primary` defaults to the first key and is
 * added if missing from `keys`; duplicates are dropped; keys are copied.
 * Fails with `NoKeys` when there are none and `InvalidKeySize` for a key that
 * is not 16, 24 or 32 bytes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (keys: Iterable<Uint8Array>, primary?: Uint8Array) => Either.Either<Keyring, KeyringError> =
  internal.make

/**
 * Builds a keyring from standard, padded base64 keys, the form memberlist's
 * users configure (`consul keygen`, Serf's `encrypt`). Fails with
 * `InvalidBase64` for anything else, and as `make` does.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBase64: (keys: Iterable<string>, primary?: string) => Either.Either<Keyring, KeyringError> =
  internal.fromBase64

/**
 * Adds a key for decryption; a no-op when it is already on the ring. The
 * primary is unchanged. Fails with `InvalidKeySize`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const addKey: {
  (key: Uint8Array): (self: Keyring) => Either.Either<Keyring, KeyringError>
  (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError>
} = internal.addKey

/**
 * Makes a key already on the ring the primary, so outgoing messages use it.
 * Peers should hold the key before this is called. Fails with `UnknownKey`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const useKey: {
  (key: Uint8Array): (self: Keyring) => Either.Either<Keyring, KeyringError>
  (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError>
} = internal.useKey

/**
 * Removes a key; a no-op when it is not on the ring. Fails with
 * `RemovePrimary` for the primary key: make another key primary first.
 *
 * @since 0.1.0
 * @category combinators
 */
export const removeKey: {
  (key: Uint8Array): (self: Keyring) => Either.Either<Keyring, KeyringError>
  (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError>
} = internal.removeKey

/**
 * Decodes one key written as standard, padded base64 (what `consul keygen`
 * prints), checking it is 16, 24 or 32 bytes. Junk after the padding, a
 * missing pad or another alphabet is an error, never a shorter key.
 *
 * @since 0.1.0
 * @category constructors
 */
export const decodeBase64Key: (text: string) => Either.Either<Uint8Array, KeyringError> = internal.decodeBase64Key
