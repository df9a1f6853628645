/**
 * What a publishing discovery source says about this member: its name, the
 * address it gossips on, its cluster label and its keys, read from the same
 * `SwimConfig` and `Transport` the member is built from.
 *
 * @internal
 */
import { Effect, Redacted } from "effect"
import { isIP } from "node:net"
import { SwimConfig } from "../../SwimConfig.js"
import { type Address, Transport } from "../../Transport.js"
import { advertisedAddress } from "../shell/advertise.js"
import { invalidOptions } from "./discovery.js"
import type { DiscoveryError } from "./error.js"

/** This member as a discovery source announces it. */
export interface Self {
  readonly name: string
  readonly address: Address
  readonly label: string
  /** The configured encryption keys, the first one primary; empty without encryption. */
  readonly keys: ReadonlyArray<Uint8Array>
}

/** Reads this member from its configuration and bound transport. */
export const self: Effect.Effect<Self, never, SwimConfig | Transport> = Effect.gen(function*() {
  const config = yield* SwimConfig
  const transport = yield* Transport
  return {
    name: config.name,
    address: advertisedAddress(config, transport.boundAddress),
    label: config.label,
    keys: config.secretKeys.map(Redacted.value)
  }
})

/**
 * This member, for a source that publishes its address: others parse what
 * is published as an IP address, so an advertised hostname fails here, when
 * the layer is built, naming the setting to change.
 */
export const publishable: Effect.Effect<Self, DiscoveryError, SwimConfig | Transport> = Effect.flatMap(
  self,
  (me) =>
    isIP(me.address.host) === 0
      ? Effect.fail(invalidOptions(`the advertised host must be an IP address to be published, got ${me.address.host} (set advertiseHost)`))
      : Effect.succeed(me)
)
