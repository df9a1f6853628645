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
import type { Effect, Option } from "effect"
import { Either, Redacted } from "effect"
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
 * the ring), `RemovePrimary`, `EncryptionDisabled` (a change to the keyring
 * of a running member that started without keys).
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
 * Decodes one key written as standard, padded base64 (`consul keygen`), the
 * form operators pass around, straight into `Redacted` so the bytes never sit
 * in a printable value. Fails with `InvalidBase64` or `InvalidKeySize`; the
 * error never contains the text.
 *
 * @since 0.1.0
 * @category constructors
 */
export const keyFromBase64 = (text: string): Either.Either<Redacted.Redacted<Uint8Array>, KeyringError> =>
  Either.map(internal.decodeBase64Key(text), Redacted.make)

/**
 * The keyring of a running member (`Memberlist.keyring`), changed in place
 * with memberlist's rules: every packet and stream the member sends from the
 * next one on is encrypted with the current primary key, and every one it
 * receives is opened with any installed key. A change is local to this
 * member, as memberlist's keyring is per node: to rotate a cluster's key, an
 * operator applies each step on every member before the next step
 * (`install` everywhere, then `use` everywhere, then `remove` the old key
 * everywhere); see docs/keys.md.
 *
 * Keys go in and come out as `Redacted`; the bytes are read only to encrypt,
 * decrypt and compare.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemberKeyring {
  /** The installed keys, primary first (the order decryption tries them in); empty when the member runs without encryption. */
  readonly keys: Effect.Effect<ReadonlyArray<Redacted.Redacted<Uint8Array>>>
  /** The key outgoing packets and streams are encrypted with; none when the member runs without encryption. */
  readonly primary: Effect.Effect<Option.Option<Redacted.Redacted<Uint8Array>>>
  /**
   * Installs a key for decryption (a no-op when installed); the primary is
   * unchanged. Fails with `InvalidKeySize`, or `EncryptionDisabled` on a
   * member started without keys (encrypting now would cut it off from its
   * plaintext peers).
   */
  readonly install: (key: Redacted.Redacted<Uint8Array>) => Effect.Effect<void, KeyringError>
  /**
   * Makes an installed key the primary. Every peer should hold the key first.
   * Fails with `UnknownKey` for a key not installed, or `EncryptionDisabled`.
   */
  readonly use: (key: Redacted.Redacted<Uint8Array>) => Effect.Effect<void, KeyringError>
  /**
   * Removes a key (a no-op when not installed). Fails with `RemovePrimary`
   * for the primary (use another key first), or `EncryptionDisabled`.
   */
  readonly remove: (key: Redacted.Redacted<Uint8Array>) => Effect.Effect<void, KeyringError>
}
