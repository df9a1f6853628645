/**
 * A member as one layer, its configuration, discovery and transport given
 * as values or effects instead of three layers (`Memberlist.layerNode`).
 * Effect memoizes every layer of a graph (a scope, two refs, a deferred and
 * a finalizer each) and `Layer.provide` adds four such layers, so a member
 * built from four layers pays about 1,100 interpreter steps more than one
 * built from one (docs/performance.md, "Member start-up, fifth pass").
 *
 * @internal
 */
import { type Context, Effect, Layer, type Scope } from "effect"
import type { DiscoveryShape } from "../../Discovery.js"
import type { Memberlist, Options } from "../../Memberlist.js"
import type { SwimConfigShape } from "../../SwimConfig.js"
import type { TransportShape } from "../../Transport.js"
import { validate } from "../config/swimConfig.js"
import { make as makeDiscovery } from "../discovery/discovery.js"
import type { TransportError } from "../transport/error.js"
import { makeNode as makeNode_ } from "../transport/node.js"
import { start } from "./memberlist.js"

/** A value, or an effect that makes it. */
export type ValueOrEffect<A, E, R> = A | Effect.Effect<A, E, R>

/** What `layerNode` needs besides the member's options. */
export interface Services<EC, RC, ED, RD, ET, RT> {
  readonly config: ValueOrEffect<SwimConfigShape, EC, RC>
  readonly discovery?: ValueOrEffect<DiscoveryShape, ED, RD> | undefined
  readonly transport?: Effect.Effect<TransportShape, ET, RT> | undefined
}

/** Discovery that finds no one: the member joins only when `join` is called. */
const noSeeds: DiscoveryShape = makeDiscovery(Effect.succeed([]))

/** The configuration, validated; a value is checked in one step, with no effect of its own. */
const validated = <E, R>(config: ValueOrEffect<SwimConfigShape, E, R>) =>
  Effect.isEffect(config) ? Effect.flatMap(config, validate) : Effect.suspend(() => validate(config))

/**
 * Starts a member in the current scope, its services made first, in order: configuration, discovery,
 * transport. Values are used as they are, with no step for them (`Effect.gen` and an `Effect.succeed`
 * per value took about ten interpreter steps).
 */
export const makeNode = <A, I, EC, RC, ED, RD, ET, RT>(options: Options<A, I> & Services<EC, RC, ED, RD, ET, RT>) =>
  Effect.flatMap(validated(options.config), (config) => {
    const transport: Effect.Effect<TransportShape, ET | TransportError, RT | Scope.Scope> = options.transport ??
      makeNode_({ host: config.bindHost, port: config.bindPort })
    const startWith = (discovery: DiscoveryShape) =>
      Effect.flatMap(transport, (transport) => start(options, { config, discovery, transport }))
    const discovery: ValueOrEffect<DiscoveryShape, ED, RD> = options.discovery ?? noSeeds
    return Effect.isEffect(discovery) ? Effect.flatMap(discovery, startWith) : startWith(discovery)
  })

/** `makeNode` as a layer providing the member under `tag`. */
export const layerNode = <Self, A, I, EC, RC, ED, RD, ET, RT>(
  tag: Context.Tag<Self, Memberlist<A>>,
  options: Options<A, I> & Services<EC, RC, ED, RD, ET, RT>
) => Layer.scoped(tag, makeNode(options))
