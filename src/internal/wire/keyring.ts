/**
 * The keyring's implementation; see `src/Keyring.ts` for the public face.
 *
 * Semantics follow memberlist's keyring.go: keys are 16, 24 or 32 bytes; the
 * primary key is first, encrypts everything, and is tried first when
 * decrypting; adding a key already present is a no-op; `useKey` needs a key
 * already on the ring; the primary cannot be removed; removing an absent key
 * is a no-op. Unlike memberlist's, the value is immutable: every change
 * returns a new keyring, so a packet in flight always sees one consistent set.
 *
 * @internal
 */
import { Data, Either, Equal, Hash } from "effect"
import { dual } from "effect/Function"
import { NodeInspectSymbol } from "effect/Inspectable"

/** Why a keyring operation was refused. */
export type KeyringErrorReason =
  | "InvalidKeySize" // not 16, 24 or 32 bytes
  | "InvalidBase64" // not standard, padded base64
  | "NoKeys" // a keyring needs at least its primary key
  | "UnknownKey" // useKey with a key not on the ring
  | "RemovePrimary" // the primary key cannot be removed
  | "EncryptionDisabled" // a running member started without keys has no keyring to change

/** A keyring operation that was refused, with its reason. */
export class KeyringError extends Data.TaggedError("KeyringError")<{
  readonly reason: KeyringErrorReason
  readonly message: string
}> {}

/** Brand of keyring values. */
export const TypeId: unique symbol = Symbol.for("effect-memberlist/Keyring") as never
/** Brand of keyring values. */
export type TypeId = typeof TypeId

/** An immutable set of AES keys; `keys[0]` is `primary`. */
export interface Keyring extends Equal.Equal {
  readonly [TypeId]: TypeId
  /** The key every outgoing message is encrypted with. */
  readonly primary: Uint8Array
  /** All keys, primary first: the order decryption tries them in. */
  readonly keys: ReadonlyArray<Uint8Array>
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const redacted = (ring: Keyring) => ({ _id: "Keyring", keys: ring.keys.length })

const KeyringProto = {
  [TypeId]: TypeId,
  [Equal.symbol](this: Keyring, that: unknown): boolean {
    return (
      isKeyring(that) &&
      this.keys.length === that.keys.length &&
      this.keys.every((key, i) => sameBytes(key, that.keys[i]!))
    )
  },
  [Hash.symbol](this: Keyring): number {
    // Not cached: the value is frozen, and hashing a few keys is cheap.
    return Hash.array(this.keys.map((key) => Hash.array(Array.from(key))))
  },
  // Key material must never reach a log line: show only how many keys there are.
  toJSON(this: Keyring) {
    return redacted(this)
  },
  toString(this: Keyring) {
    return `Keyring(${this.keys.length} key${this.keys.length === 1 ? "" : "s"})`
  },
  [NodeInspectSymbol](this: Keyring) {
    return redacted(this)
  }
}

const unsafeMake = (keys: ReadonlyArray<Uint8Array>): Keyring => {
  const ring = Object.create(KeyringProto) as { -readonly [K in keyof Keyring]: Keyring[K] }
  ring.keys = Object.freeze(keys)
  ring.primary = keys[0]!
  return Object.freeze(ring)
}

/** Whether `u` is a keyring. */
export const isKeyring = (u: unknown): u is Keyring => typeof u === "object" && u !== null && TypeId in u

/** A key of a valid AES size, copied so later changes to the caller's array cannot reach the ring. */
export const validateKey = (key: Uint8Array): Either.Either<Uint8Array, KeyringError> =>
  key.length === 16 || key.length === 24 || key.length === 32
    ? Either.right(Uint8Array.from(key))
    : Either.left(
      new KeyringError({ reason: "InvalidKeySize", message: `key size must be 16, 24 or 32 bytes, got ${key.length}` })
    )

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The one parser for keys written as text (`Keyring.fromBase64`,
 * `SWIM_SECRET_KEYS`, the agent's `--key`): standard, padded base64, what
 * memberlist's users pass (`consul keygen`), of 16, 24 or 32 bytes. The whole
 * text must be base64: Node's decoder alone would stop quietly at the first
 * character it does not know and return whatever came before.
 */
export const decodeBase64Key = (text: string): Either.Either<Uint8Array, KeyringError> =>
  BASE64.test(text)
    ? validateKey(new Uint8Array(Buffer.from(text, "base64")))
    : Either.left(
      new KeyringError({
        reason: "InvalidBase64",
        message: "key is not standard padded base64 (A-Z, a-z, 0-9, + and /, padded with = to a multiple of 4)"
      })
    )

const indexOf = (keys: ReadonlyArray<Uint8Array>, key: Uint8Array): number => keys.findIndex((k) => sameBytes(k, key))

/** A keyring of `keys` with `primary` (default: the first key) first; duplicates are dropped. */
export const make = (
  keys: Iterable<Uint8Array>,
  primary?: Uint8Array
): Either.Either<Keyring, KeyringError> => {
  const all = primary === undefined ? Array.from(keys) : [primary, ...keys]
  if (all.length === 0) {
    return Either.left(new KeyringError({ reason: "NoKeys", message: "a keyring needs at least a primary key" }))
  }
  const ring: Array<Uint8Array> = []
  for (const key of all) {
    const valid = validateKey(key)
    if (Either.isLeft(valid)) return Either.left(valid.left)
    if (indexOf(ring, valid.right) < 0) ring.push(valid.right)
  }
  return Either.right(unsafeMake(ring))
}

/** `make` from base64 strings. */
export const fromBase64 = (
  keys: Iterable<string>,
  primary?: string
): Either.Either<Keyring, KeyringError> => {
  const decoded: Array<Uint8Array> = []
  for (const text of keys) {
    const key = decodeBase64Key(text)
    if (Either.isLeft(key)) return Either.left(key.left)
    decoded.push(key.right)
  }
  if (primary === undefined) return make(decoded)
  return Either.flatMap(decodeBase64Key(primary), (p) => make(decoded, p))
}

/** Adds a key for decryption (a no-op when it is already there); the primary is unchanged. */
export const addKey: {
  (key: Uint8Array): (self: Keyring) => Either.Either<Keyring, KeyringError>
  (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError>
} = dual(2, (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError> =>
  Either.map(validateKey(key), (valid) => (indexOf(self.keys, valid) >= 0 ? self : unsafeMake([...self.keys, valid]))))

/** Makes a key already on the ring the primary; the others keep their order. */
export const useKey: {
  (key: Uint8Array): (self: Keyring) => Either.Either<Keyring, KeyringError>
  (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError>
} = dual(2, (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError> => {
  const at = indexOf(self.keys, key)
  if (at < 0) return Either.left(new KeyringError({ reason: "UnknownKey", message: "requested key is not in the keyring" }))
  if (at === 0) return Either.right(self)
  const chosen = self.keys[at]!
  return Either.right(unsafeMake([chosen, ...self.keys.filter((_, i) => i !== at)]))
})

/** Removes a key (a no-op when it is absent); the primary cannot be removed. */
export const removeKey: {
  (key: Uint8Array): (self: Keyring) => Either.Either<Keyring, KeyringError>
  (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError>
} = dual(2, (self: Keyring, key: Uint8Array): Either.Either<Keyring, KeyringError> => {
  if (sameBytes(self.primary, key)) {
    return Either.left(new KeyringError({ reason: "RemovePrimary", message: "removing the primary key is not allowed" }))
  }
  const at = indexOf(self.keys, key)
  return Either.right(at < 0 ? self : unsafeMake(self.keys.filter((_, i) => i !== at)))
})
