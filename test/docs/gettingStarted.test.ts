import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option } from "effect"
import { readFileSync } from "node:fs"
import { ClusterLive, firstGreeting, greetEveryone, invalidateOn } from "../../examples/getting-started.js"

describe("docs/getting-started.md", () => {
  it("shows examples/getting-started.ts verbatim", () => {
    const doc = readFileSync(new URL("../../docs/getting-started.md", import.meta.url), "utf8")
    const example = readFileSync(new URL("../../examples/getting-started.ts", import.meta.url), "utf8")
    expect(doc).toContain(example.trim())
  })

  it.live("the example runs: two members meet, a broadcast greeting arrives from its sender, and a message to a member that is gone is handled", () =>
    Effect.gen(function*() {
      const a = yield* Layer.build(ClusterLive("alice", 17_990, []))
      const b = yield* Layer.build(ClusterLive("bob", 17_991, ["127.0.0.1:17990"]))
      const listen = yield* firstGreeting.pipe(Effect.provide(a))
      const waiting = yield* Effect.fork(listen)
      const members = yield* greetEveryone.pipe(Effect.provide(b))
      expect(members.map((m) => m.name).sort()).toEqual(["alice", "bob"])
      const greeting = yield* Fiber.join(waiting).pipe(Effect.timeout("10 seconds"))
      expect(Option.map(greeting, (g) => [g.origin, g.sender])).toEqual(Option.some(["bob", "bob"]))
      yield* invalidateOn("alice", "users/42").pipe(Effect.provide(b))
      yield* invalidateOn("nobody", "users/42").pipe(Effect.provide(b))
    }).pipe(Effect.scoped), 30_000)
})
