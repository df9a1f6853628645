/**
 * The first discovery a member runs as it starts (shell/memberlist.ts): what
 * it finds is joined; when discovery or that join fails, `requireJoin` fails
 * the start with `JoinFailed` (the discovery error as its cause, or the seeds
 * tried), and without it the member starts alone.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schema, Scope } from "effect"
import * as Discovery from "../../../src/Discovery.js"
import * as Memberlist from "../../../src/Memberlist.js"
import * as SwimConfig from "../../../src/SwimConfig.js"
import * as Transport from "../../../src/Transport.js"

const config = (name: string) => SwimConfig.local({ name, bindHost: "127.0.0.1", bindPort: 0 })
const quiet = { messages: Schema.String, leaveOnClose: false } as const
const broken = Discovery.make(Effect.fail(new Discovery.DiscoveryError({ reason: "SourceFailed", message: "the source is down" })))

/** A loopback address where nothing listens: a port bound and freed again. */
const deadAddress = Effect.map(Effect.scoped(Transport.makeNode({ host: "127.0.0.1", port: 0 })), (t) => t.boundAddress)

describe("a member's first discovery", () => {
  it.live("a failing discovery fails a start that requires a join, with the discovery's error as the cause", () =>
    Effect.gen(function*() {
      const failure = yield* Effect.flip(Effect.scoped(Memberlist.makeNode({ ...quiet, requireJoin: true, config: config("a"), discovery: broken })))
      expect(failure._tag).toBe("JoinFailed")
      const joinFailed = failure as Memberlist.JoinFailed
      expect(joinFailed.seeds).toEqual([])
      expect(joinFailed.cause?.message).toBe("the source is down")
    }))

  it.live("without requireJoin, a member whose discovery fails starts alone", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const member = yield* Scope.extend(Memberlist.makeNode({ ...quiet, config: config("b"), discovery: broken }), scope)
      expect((yield* member.members).map((m) => m.name)).toEqual(["b"])
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("a seed that cannot be reached fails a start that requires a join, naming the seed; without it the member starts alone", () =>
    Effect.gen(function*() {
      const seed = yield* deadAddress
      const discovery = Discovery.make(Effect.succeed([seed]))
      const failure = yield* Effect.flip(Effect.scoped(Memberlist.makeNode({ ...quiet, requireJoin: true, config: config("c"), discovery })))
      expect(failure._tag).toBe("JoinFailed")
      expect((failure as Memberlist.JoinFailed).seeds).toEqual([seed])
      const scope = yield* Scope.make()
      const member = yield* Scope.extend(Memberlist.makeNode({ ...quiet, config: config("d"), discovery }), scope)
      expect((yield* member.members).map((m) => m.name)).toEqual(["d"])
      yield* Scope.close(scope, Exit.void)
    }))
})
