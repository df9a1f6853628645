/**
 * The member metadata that says which `@effect/cluster` runner a member is:
 * the host and port of its runner server.
 *
 * @internal
 */
import type { RunnerAddress } from "@effect/cluster/RunnerAddress"
import { Effect, Option, Schema } from "effect"
import * as Memberlist from "../../Memberlist.js"

/**
 * A msgpack map whose key `runner` holds `{ host, port }`. Other keys are
 * ignored when decoding, so an application may carry more fields beside it.
 */
export const RunnerMetadata = Schema.Struct({
  runner: Schema.Struct({
    host: Schema.NonEmptyString,
    port: Schema.Int.pipe(Schema.between(1, 65535))
  })
})

export const codec = Memberlist.metadata(RunnerMetadata)

/** The key a runner is known by: what `RunnerAddress` itself uses as its primary key. */
export const runnerKey = (address: { readonly host: string; readonly port: number }): string =>
  `${address.host}:${address.port}`

export const encode = (address: RunnerAddress) =>
  codec.encode({ runner: { host: address.host, port: address.port } })

// Members keep their metadata bytes unchanged between views, so one decode per byte array suffices.
const keys = new WeakMap<Uint8Array, string | null>()

/** The runner key a member's metadata names, or none for a member that is no runner. */
export const runnerKeyOf = (member: Memberlist.Member): Effect.Effect<Option.Option<string>> => {
  const cached = keys.get(member.meta)
  if (cached !== undefined) return Effect.succeed(Option.fromNullable(cached))
  return codec.decode(member).pipe(
    Effect.map((meta) => runnerKey(meta.runner)),
    Effect.option,
    Effect.tap((key) => Effect.sync(() => keys.set(member.meta, Option.getOrNull(key))))
  )
}
