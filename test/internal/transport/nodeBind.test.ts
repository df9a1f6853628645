/**
 * The Node transport's bind (src/internal/transport/node.ts): both sockets
 * are bound and released in their callbacks, under one scope finalizer, in
 * few interpreter steps (no queue is made until something needs one).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as Dgram from "node:dgram"
import * as Net from "node:net"
import * as Transport from "../../../src/Transport.js"
import { finalizersIn } from "../../support/scopeFinalizers.js"
import { countSteps } from "../../support/stepCount.js"

/** Whether TCP and UDP can both be bound on `port` right now (each closed again at once). */
const portFree = (port: number) =>
  Effect.async<boolean>((resume) => {
    const server = Net.createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => {
      const udp = Dgram.createSocket("udp4")
      udp.once("error", () => server.close(() => resume(Effect.succeed(false))))
      udp.bind({ address: "127.0.0.1", port }, () => udp.close(() => server.close(() => resume(Effect.succeed(true)))))
    })
  })

describe("Transport.makeNode's bind", () => {
  it.live("holds one scope finalizer; closing the scope frees TCP and UDP, and sends then fail as Closed", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const transport = yield* Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope)
      expect(finalizersIn(scope)).toBe(1)
      const { port } = transport.boundAddress
      expect(yield* portFree(port)).toBe(false)
      yield* Scope.close(scope, Exit.void)
      expect(yield* portFree(port)).toBe(true)
      const sent = yield* Effect.exit(transport.sendPacket({ host: "127.0.0.1", port }, new Uint8Array([1])))
      expect(Exit.isFailure(sent) && sent.cause._tag === "Fail" ? sent.cause.error.reason : "no failure").toBe("Closed")
    }))

  it.live("binds in under 60 interpreter steps (69 with its two queues made up front)", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { steps } = yield* countSteps(Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope))
      yield* Scope.close(scope, Exit.void)
      expect(steps).toBeLessThan(60)
    }))
})
