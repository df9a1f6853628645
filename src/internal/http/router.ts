/**
 * The cluster view's routes, on `@effect/platform`'s router.
 *
 * @internal
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Metric } from "effect"
import type { LiveView } from "./live.js"
import { page } from "./page.js"
import * as Prometheus from "./prometheus.js"

/** The paths the view serves. */
export const paths = {
  /** The live page. */
  view: "/",
  /** The members as JSON. */
  members: "/members",
  /** Everything the page shows, as JSON. */
  state: "/state",
  /** Prometheus text exposition format 0.0.4. */
  metrics: "/metrics",
  /** Readiness: 200 when ready, 503 with the reason when not. */
  health: "/health",
  /** Liveness: 200 while the process serves HTTP at all. */
  live: "/health/live",
  /** The page's Server-Sent Events. */
  events: "/events/stream"
} as const

const noStore = { "cache-control": "no-store" }

/** The router serving `live`. */
export const make = (live: LiveView) => {
  const html = page(paths)
  return HttpRouter.empty.pipe(
    HttpRouter.get(paths.view, Effect.succeed(HttpServerResponse.text(html, { contentType: "text/html; charset=utf-8" }))),
    HttpRouter.get(paths.members, Effect.map(live.members, (members) => HttpServerResponse.unsafeJson(members, { headers: noStore }))),
    HttpRouter.get(paths.state, Effect.map(live.state, (state) => HttpServerResponse.unsafeJson(state, { headers: noStore }))),
    HttpRouter.get(
      paths.metrics,
      Effect.sync(() =>
        HttpServerResponse.text(Prometheus.render(Metric.unsafeSnapshot()), { contentType: Prometheus.contentType, headers: noStore })
      )
    ),
    HttpRouter.get(
      paths.health,
      Effect.map(live.readiness, (r) => HttpServerResponse.unsafeJson(r, { status: r.ready ? 200 : 503, headers: noStore }))
    ),
    HttpRouter.get(paths.live, Effect.succeed(HttpServerResponse.unsafeJson({ live: true }, { headers: noStore }))),
    HttpRouter.get(
      paths.events,
      Effect.succeed(HttpServerResponse.stream(live.stream, { contentType: "text/event-stream", headers: { "cache-control": "no-cache" } }))
    )
  )
}
