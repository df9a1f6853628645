/**
 * Serves a test member's cluster view on 127.0.0.1 (a port the OS picks)
 * for as long as the current scope lives, and fetches from it.
 */
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { createServer } from "node:http"
import * as HttpView from "../../src/HttpView.js"
import type * as Memberlist from "../../src/Memberlist.js"
import { Cluster, type Message } from "./cluster.js"

/** Serves the view of `member` through `HttpView.layer`; returns its base URL. */
export const serveView = (
  member: Memberlist.Memberlist<Message>,
  options: HttpView.Options = {}
): Effect.Effect<string, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const layer = HttpView.layer(Cluster, options).pipe(
      Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })),
      Layer.provide(Layer.succeed(Cluster, member))
    )
    const context = yield* Layer.build(layer)
    const address = Context.get(context, HttpServer.HttpServer).address
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("expected a TCP address")
    return `http://127.0.0.1:${address.port}`
  })

/** A GET, with a bound on how long it may take. */
export const get = (url: string): Effect.Effect<{ status: number; type: string | null; body: string }, unknown> =>
  Effect.tryPromise(async (signal) => {
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
    return { status: response.status, type: response.headers.get("content-type"), body: await response.text() }
  })
