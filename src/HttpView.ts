/**
 * A member's cluster view over HTTP: a live web page of the members, the
 * suspicions this member holds, its health, traffic and recent events; the
 * members as JSON; every Effect metric of the process in Prometheus text
 * format; and readiness and liveness checks.
 *
 * It serves on any `@effect/platform` `HttpServer`; on Node, give it
 * `NodeHttpServer.layer` from `@effect/platform-node`:
 *
 * ```ts
 * const ViewLive = HttpView.layer(Cluster, { minMembers: 3 }).pipe(
 *   Layer.provide(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 8080 })),
 *   Layer.provide(ClusterLive)
 * )
 * ```
 *
 * The view exposes who is in the cluster and where: bind it to localhost or
 * a private interface.
 *
 * @since 0.1.0
 */
import { HttpServer } from "@effect/platform"
import type { HttpRouter } from "@effect/platform"
import type { Context, Scope } from "effect"
import { Duration, Effect, Layer } from "effect"
import * as Live from "./internal/http/live.js"
import * as Router from "./internal/http/router.js"
import { InvalidOptions, type Memberlist } from "./Memberlist.js"

/**
 * The paths the view serves: `view` (the page), `members` (JSON),
 * `state` (everything the page shows, JSON), `metrics` (Prometheus text
 * format 0.0.4), `health` (readiness: 200 or 503 with the reason), `live`
 * (liveness) and `events` (the page's Server-Sent Events).
 *
 * @since 0.1.0
 * @category constants
 */
export const paths: {
  readonly view: "/"
  readonly members: "/members"
  readonly state: "/state"
  readonly metrics: "/metrics"
  readonly health: "/health"
  readonly live: "/health/live"
  readonly events: "/events/stream"
} = Router.paths

/**
 * Options of the view.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Not ready until this many members are alive in this member's view, itself included (default 1). */
  readonly minMembers?: number | undefined
  /**
   * Not ready while other members may still suspect this one: from the
   * moment it refutes an accusation until the longest suspicion could last
   * has passed (default false).
   */
  readonly notReadyWhileSuspected?: boolean | undefined
  /** How often traffic and queue depths are sampled (default 1 second). */
  readonly sampleInterval?: Duration.DurationInput | undefined
  /** Samples kept for the charts; older ones are overwritten (default 300). */
  readonly history?: number | undefined
  /** Recent events kept for the page; older ones are overwritten (default 200). */
  readonly recentEvents?: number | undefined
}

const wholeNumber = (option: string, value: number | undefined, fallback: number, min: number, max: number) =>
  value === undefined
    ? Effect.succeed(fallback)
    : Number.isInteger(value) && value >= min && value <= max
    ? Effect.succeed(value)
    : Effect.fail(new InvalidOptions({ option, problem: `must be a whole number from ${min} to ${max}` }))

const resolve = (options: Options): Effect.Effect<Live.LiveOptions, InvalidOptions> =>
  Effect.gen(function*() {
    const sampleInterval = Duration.decode(options.sampleInterval ?? Duration.seconds(1))
    if (Duration.toMillis(sampleInterval) < 10) {
      return yield* new InvalidOptions({ option: "sampleInterval", problem: "must be at least 10 milliseconds" })
    }
    return {
      sampleInterval,
      minMembers: yield* wholeNumber("minMembers", options.minMembers, 1, 1, 1_000_000),
      historySize: yield* wholeNumber("history", options.history, 300, 1, 100_000),
      eventsSize: yield* wholeNumber("recentEvents", options.recentEvents, 200, 1, 100_000),
      notReadyWhileSuspected: options.notReadyWhileSuspected ?? false
    }
  })

/**
 * Starts following `member` in the current scope and returns the view's
 * router, to mount in an application's own server (`HttpRouter.mount`) or
 * to serve alone (see `layer`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A>(
  member: Memberlist<A>,
  options: Options = {}
): Effect.Effect<HttpRouter.HttpRouter, InvalidOptions, Scope.Scope> =>
  Effect.flatMap(resolve(options), (resolved) => Effect.map(Live.make(member, resolved), Router.make))

/**
 * Serves the view of the member under `tag` on the `HttpServer` provided,
 * for as long as the layer lives.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Self, A>(
  tag: Context.Tag<Self, Memberlist<A>>,
  options: Options = {}
): Layer.Layer<never, InvalidOptions, Self | HttpServer.HttpServer> =>
  Layer.scopedDiscard(Effect.gen(function*() {
    const router = yield* make(yield* tag, options)
    yield* HttpServer.serveEffect(router)
  }))
