/**
 * A running member's keyring: one cell holding the current `Keyring` value
 * (or none, when the member runs without encryption), read by the wire
 * options for every packet and stream, and changed through the public
 * `MemberKeyring` API with the `Keyring` module's own operations.
 *
 * The cell is a `MutableRef`, not a `Ref`: the packet encoder runs inside the
 * driver's synchronous step, where an effect cannot be run to read a `Ref`.
 * Each change is one synchronous read-modify-write of an immutable value, so
 * changes cannot interleave, and a packet or stream sees one whole keyring.
 *
 * @internal
 */
import { Effect, Either, MutableRef, Option, Redacted } from "effect"
import type { MemberKeyring } from "../../Keyring.js"
import * as Keyring from "../wire/keyring.js"

/** The member's keyring cell and the API over it. */
export interface LiveKeyring {
  /** The keyring now; undefined when the member runs without encryption. */
  readonly current: () => Keyring.Keyring | undefined
  readonly api: MemberKeyring
}

const disabled = new Keyring.KeyringError({
  reason: "EncryptionDisabled",
  message: "this member started without keys and sends plaintext; start it with secretKeys to use a keyring"
})

/** Copied out, so a caller cannot change the bytes the ring encrypts with. */
const redact = (key: Uint8Array): Redacted.Redacted<Uint8Array> => Redacted.make(Uint8Array.from(key))

/** The keyring cell of member `member`, starting at `initial` (undefined: no encryption). */
export const make = (member: string, initial: Keyring.Keyring | undefined): LiveKeyring => {
  const ref = MutableRef.make(initial)

  const change = (
    operation: string,
    f: (ring: Keyring.Keyring, key: Uint8Array) => Either.Either<Keyring.Keyring, Keyring.KeyringError>
  ) =>
  (key: Redacted.Redacted<Uint8Array>): Effect.Effect<void, Keyring.KeyringError> =>
    Effect.suspend(() => {
      const ring = MutableRef.get(ref)
      if (ring === undefined) return Effect.fail(disabled)
      // The bytes are unwrapped here, for the ring's own copy and comparison, and nowhere else.
      const next = f(ring, Redacted.value(key))
      if (Either.isLeft(next)) return Effect.fail(next.left)
      MutableRef.set(ref, next.right)
      // An operator action worth a log line; how many keys is all it says about them.
      return Effect.logInfo("keyring changed").pipe(Effect.annotateLogs({ operation, keys: next.right.keys.length }))
    }).pipe(Effect.annotateLogs({ member }), Effect.withSpan(`Memberlist.keyring.${operation}`))

  return {
    current: () => MutableRef.get(ref),
    api: {
      keys: Effect.sync(() => MutableRef.get(ref)?.keys.map(redact) ?? []),
      primary: Effect.sync(() => Option.map(Option.fromNullable(MutableRef.get(ref)), (ring) => redact(ring.primary))),
      install: change("install", Keyring.addKey),
      use: change("use", Keyring.useKey),
      remove: change("remove", Keyring.removeKey)
    }
  }
}

/**
 * The keyring cell of a member configured with `secretKeys` (none: no
 * encryption), unwrapped here to build the ring. Fails for keys a config
 * built without `SwimConfig.validate` may hold.
 */
export const fromConfig = (
  member: string,
  secretKeys: ReadonlyArray<Redacted.Redacted<Uint8Array>>
): Either.Either<LiveKeyring, Keyring.KeyringError> =>
  secretKeys.length === 0
    ? Either.right(make(member, undefined))
    : Either.map(Keyring.make(secretKeys.map(Redacted.value)), (ring) => make(member, ring))
