/**
 * A call made while the driver loop is busy and its mailbox full
 * (memberlist.ts, `ask`): the command waits for room on a fiber of the
 * member, and the caller gets its answer. Calls made from inside a step
 * cannot run at once (the loop is busy) and queue; here the member's own
 * probe, sent from its step through the transport's fast path, makes more
 * calls than the mailbox holds (1,024), so the last of them take the
 * fallback. Were the fallback to drop them, those callers would wait for
 * ever.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Schema, Scope } from "effect"
import * as Discovery from "../../../src/Discovery.js"
import * as FastPath from "../../../src/internal/transport/fastPath.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"

/** More calls than the command mailbox holds. */
const calls = 1_100

describe("a call made while the loop is busy and its mailbox is full", () => {
  it.live("waits for room and is answered, as every call before it", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      let onSend: (() => void) | undefined
      const start = (name: string, hooked: boolean) =>
        Effect.gen(function*() {
          const node = yield* Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope)
          const fast = FastPath.of(node)!
          const transport = hooked
            ? FastPath.attach(node, {
              ...fast,
              send: (to, bytes, done) => {
                const hook = onSend
                onSend = undefined
                hook?.()
                fast.send(to, bytes, done)
              }
            })
            : node
          const member = yield* Scope.extend(Memberlist.make({ messages: Schema.String, leaveOnClose: false }), scope).pipe(
            Effect.provideService(Transport.Transport, transport),
            Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
            Effect.provideService(SwimConfig.SwimConfig, SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0 }))
          )
          return { member, address: node.boundAddress }
        })
      const a = yield* start("ask-a", true)
      const b = yield* start("ask-b", false)
      yield* a.member.join([b.address])

      // The next packet `a` sends goes out from a step of its driver: every call made there queues.
      const fibers: Array<Fiber.RuntimeFiber<void, Memberlist.MetadataTooLarge | Memberlist.NotRunning>> = []
      const sent = yield* Effect.async<void>((resume) => {
        onSend = () => {
          for (let i = 0; i < calls; i++) fibers.push(Effect.runFork(a.member.updateMetadata(new Uint8Array([i % 256]))))
          resume(Effect.void)
        }
      }).pipe(Effect.timeout(Duration.seconds(10)))
      expect(sent).toBeUndefined()
      expect(fibers).toHaveLength(calls)

      const exits = yield* Effect.forEach(fibers, Fiber.await).pipe(Effect.timeout(Duration.seconds(10)))
      expect(exits.filter(Exit.isSuccess)).toHaveLength(calls)
      yield* Scope.close(scope, Exit.void)
    }))
})
