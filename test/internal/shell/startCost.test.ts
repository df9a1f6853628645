/**
 * What starting one member costs in fibers (docs/performance.md, "Member
 * start-up"). Every fiber Effect makes, a child or a root one such as
 * `Effect.runSync` runs, takes the next number from one process-wide
 * counter, so the ids of two probe fibers taken around a start tell how many
 * fibers the start made. On the Node transport, with no merge hook, that is
 * the driver loop alone: the fast path is taken without running an effect
 * when nothing waits in the transport's queues, and no fiber is forked for
 * application state that can never arrive.
 *
 * A member registers one scope finalizer for everything it releases by
 * itself (its fibers, callbacks, packet intake, flags and transport claim:
 * `lifetime.ts`), and one for the leave when it leaves on close; each
 * finalizer keeps a snapshot of fiber refs for the member's life.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FiberId, Schema, Scope } from "effect"
import * as Discovery from "../../../src/Discovery.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"
import { finalizersIn } from "../../support/scopeFinalizers.js"

/** The number of a new root fiber: one more than the last fiber made anywhere in the process. */
const nextFiberNumber = (): number => {
  const id = Effect.runSync(Effect.fiberId)
  if (!FiberId.isRuntime(id)) throw new Error("a running fiber has a runtime id")
  return id.id
}

const config = (name: string) => SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0 })

/** Starts a member in `scope` on a Node transport bound beforehand, and counts the fibers the start made. */
const fibersMadeByStart = (scope: Scope.Scope, name: string, options: Memberlist.Options<string, string>) =>
  Effect.gen(function*() {
    const transport = yield* Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), scope)
    const before = nextFiberNumber()
    const member = yield* Scope.extend(Memberlist.make(options), scope).pipe(
      Effect.provideService(Transport.Transport, transport),
      Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
      Effect.provideService(SwimConfig.SwimConfig, config(name))
    )
    const made = nextFiberNumber() - before - 1
    return { member, made }
  })

/** Starts a member in a scope of its own, the transport in another, and counts the member's finalizers. */
const finalizersOfStart = (name: string, options: Memberlist.Options<string, string>) =>
  Effect.gen(function*() {
    const transportScope = yield* Scope.make()
    const transport = yield* Scope.extend(Transport.makeNode({ host: "127.0.0.1", port: 0 }), transportScope)
    const memberScope = yield* Scope.make()
    const member = yield* Scope.extend(Memberlist.make(options), memberScope).pipe(
      Effect.provideService(Transport.Transport, transport),
      Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
      Effect.provideService(SwimConfig.SwimConfig, config(name))
    )
    return { member, finalizers: finalizersIn(memberScope), memberScope, transportScope, transport }
  })

describe("the cost of starting a member", () => {
  it.live("a member holds 1 scope finalizer (its lifetime, the packet intake's release in it since session 11), 2 when it leaves on close", () =>
    Effect.gen(function*() {
      const quiet = yield* finalizersOfStart("f1", { messages: Schema.String, leaveOnClose: false })
      expect(quiet.finalizers).toBe(1)
      const leaving = yield* finalizersOfStart("f2", { messages: Schema.String })
      expect(leaving.finalizers).toBe(2)
      // The one finalizer still releases everything: the transport can serve another member once the
      // first one's scope closed, and the stopped member answers at once.
      yield* Scope.close(quiet.memberScope, { _tag: "Success", value: undefined } as never)
      expect((yield* quiet.member.members).map((m) => m.name)).toEqual(["f1"])
      const again = yield* Scope.make()
      const second = yield* Scope.extend(Memberlist.make({ messages: Schema.String, leaveOnClose: false }), again).pipe(
        Effect.provideService(Transport.Transport, quiet.transport),
        Effect.provideService(Discovery.Discovery, Discovery.make(Effect.succeed([]))),
        Effect.provideService(SwimConfig.SwimConfig, config("f3"))
      )
      expect((yield* second.localMember).name).toBe("f3")
      for (const scope of [again, quiet.transportScope, leaving.memberScope, leaving.transportScope]) {
        yield* Scope.close(scope, { _tag: "Success", value: undefined } as never)
      }
    }))

  it.live("on the Node transport with no merge hook, a start makes 1 fiber: the driver loop", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const first = yield* fibersMadeByStart(scope, "a", { messages: Schema.String, leaveOnClose: false })
      const second = yield* fibersMadeByStart(scope, "b", { messages: Schema.String, leaveOnClose: false })
      expect(first.made).toBe(1)
      expect(second.made).toBe(1)
      // The members started: each knows itself, alive.
      expect((yield* first.member.localMember).name).toBe("a")
      expect((yield* second.member.members).map((m) => m.name)).toEqual(["b"])
      yield* Scope.close(scope, { _tag: "Success", value: undefined } as never)
    }))

  it.live("a merge hook adds the one fiber that merges received state", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { made } = yield* fibersMadeByStart(scope, "c", {
        messages: Schema.String,
        leaveOnClose: false,
        mergeRemoteState: () => Effect.void
      })
      expect(made).toBe(2)
      yield* Scope.close(scope, { _tag: "Success", value: undefined } as never)
    }))
})
