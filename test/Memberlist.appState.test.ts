/**
 * The application's hooks on members of the public API, on the memory
 * network and virtual time: state carried in push/pull both ways (at join
 * and periodically), its bound and failures, and the join and merge filters.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Metric, Ref, TestClock } from "effect"
import * as Memberlist from "../src/Memberlist.js"
import {
  addressOf,
  advanceUntil,
  allSeeAlive,
  counted,
  eventsAbout,
  make,
  recordEvents,
  type VirtualMember,
  whileAdvancing
} from "./support/virtualCluster.js"

const utf8 = new TextEncoder()
const text = new TextDecoder()

/** A member's hooks that send `name:join` and record what they receive. */
const stateHooks = (name: string, merged: Ref.Ref<ReadonlyArray<string>>) => ({
  localState: (join: boolean) => Effect.succeed(utf8.encode(`${name}:${join}`)),
  mergeRemoteState: (state: Uint8Array, join: boolean) => Ref.update(merged, (all) => [...all, `${text.decode(state)}/${join}`])
})

const has = (ref: Ref.Ref<ReadonlyArray<string>>, entry: string) => Effect.map(Ref.get(ref), (all) => all.includes(entry))
const appState = (reason: string) => counted(Metric.tagged(Memberlist.metrics.appState, "reason", reason))
const refusals = (hook: string) => counted(Metric.tagged(Memberlist.metrics.refusals, "reason", hook))
const names = (m: VirtualMember) => Effect.map(m.member.members, (all) => all.map((x) => x.name).sort())

describe("application state in push/pull", () => {
  it.scoped("crosses both ways at the join and again at each periodic push/pull, with its join flag", () =>
    Effect.gen(function*() {
      const cluster = yield* make()
      const got0 = yield* Ref.make<ReadonlyArray<string>>([])
      const got1 = yield* Ref.make<ReadonlyArray<string>>([])
      const [sent, merged] = [yield* appState("sent"), yield* appState("merged")]
      const config = { pushPullInterval: Duration.seconds(2) }
      const a = yield* cluster.start({ name: "a", address: addressOf(0), config, hooks: stateHooks("a", got0) })
      const b = yield* cluster.start({ name: "b", address: addressOf(1), seeds: [a.address], config, hooks: stateHooks("b", got1) })
      // The join: b asked with join = true, and a answered in kind.
      yield* advanceUntil(Effect.zipWith(has(got1, "a:true/true"), has(got0, "b:true/true"), (x, y) => x && y), Duration.seconds(1), "join states")
      // Periodic push/pulls (2 s, at most 4 s apart with two members) carry join = false.
      yield* advanceUntil(
        Effect.zipWith(has(got0, "b:false/false"), has(got1, "a:false/false"), (x, y) => x && y),
        Duration.seconds(8),
        "periodic states both ways"
      )
      expect(yield* allSeeAlive([a, b], ["a", "b"])).toBe(true)
      expect((yield* appState("sent")) - sent).toBeGreaterThanOrEqual(4)
      expect((yield* appState("merged")) - merged).toBeGreaterThanOrEqual(4)
    }))

  it.scoped("state over the bound, or a localState that fails, sends none; the push/pull still merges members", () =>
    Effect.gen(function*() {
      const cluster = yield* make()
      const got = yield* Ref.make<ReadonlyArray<string>>([])
      const [tooLarge, failed] = [yield* appState("local_too_large"), yield* appState("local_failed")]
      const a = yield* cluster.start({
        name: "a",
        address: addressOf(0),
        hooks: { ...stateHooks("a", got), maxAppStateSize: 16, localState: () => Effect.succeed(new Uint8Array(17)) }
      })
      const b = yield* cluster.start({
        name: "b",
        address: addressOf(1),
        seeds: [a.address],
        hooks: { ...stateHooks("b", got), localState: () => Effect.dieMessage("no state today") }
      })
      yield* advanceUntil(allSeeAlive([a, b], ["a", "b"]), Duration.seconds(3), "a and b see each other")
      expect(yield* Ref.get(got)).toEqual([])
      expect((yield* appState("local_too_large")) - tooLarge).toBeGreaterThanOrEqual(1)
      expect((yield* appState("local_failed")) - failed).toBeGreaterThanOrEqual(1)
    }))

  it.scoped("received state over the receiver's bound is dropped and counted, never handed to the application", () =>
    Effect.gen(function*() {
      const cluster = yield* make()
      const got = yield* Ref.make<ReadonlyArray<string>>([])
      const before = yield* appState("remote_too_large")
      const small = { ...stateHooks("a", got), maxAppStateSize: 4, localState: () => Effect.succeed(utf8.encode("a")) }
      const a = yield* cluster.start({ name: "a", address: addressOf(0), hooks: small })
      const b = yield* cluster.start({ name: "b", address: addressOf(1), seeds: [a.address], hooks: stateHooks("b", got) })
      yield* advanceUntil(allSeeAlive([a, b], ["a", "b"]), Duration.seconds(3), "a and b see each other")
      yield* advanceUntil(has(got, "a/true"), Duration.seconds(1), "b merges a's state")
      // b's "b:true" (6 bytes) is over a's bound of 4; a's "a" reached b.
      expect(yield* Ref.get(got)).toEqual(["a/true"])
      expect((yield* appState("remote_too_large")) - before).toBe(1)
    }))

  it.scoped("a bound that is not a whole number of bytes up to 20 MiB is refused at start", () =>
    Effect.gen(function*() {
      const cluster = yield* make()
      for (const maxAppStateSize of [-1, 1.5, 21 * 1024 * 1024]) {
        const started = yield* Effect.either(cluster.start({ name: "a", address: addressOf(0), hooks: { maxAppStateSize } }))
        expect(Either.isLeft(started) && (started.left as { _tag: string; option: string })).toMatchObject({
          _tag: "InvalidOptions",
          option: "maxAppStateSize"
        })
      }
    }))
})

describe("filterJoin and filterMerge", () => {
  const blueOnly = (c: Memberlist.JoinCandidate) => text.decode(c.meta) === "blue" ? undefined : "not the blue cluster"

  it.scoped("a refused node never appears in members or events, however long it keeps trying", () =>
    Effect.gen(function*() {
      const cluster = yield* make()
      const before = yield* refusals("filterJoin")
      const blue = { meta: utf8.encode("blue"), filterJoin: blueOnly }
      const a = yield* cluster.start({ name: "a", address: addressOf(0), hooks: blue })
      const events = yield* recordEvents(a)
      const b = yield* cluster.start({ name: "b", address: addressOf(1), seeds: [a.address], hooks: blue })
      yield* advanceUntil(allSeeAlive([a, b], ["a", "b"]), Duration.seconds(3), "a and b see each other")
      // The red node joins through a (it has no filter: it learns a and b, but they never take it).
      const red = yield* cluster.start({ name: "red", address: addressOf(2), seeds: [a.address], hooks: { meta: utf8.encode("red") } })
      yield* advanceUntil(Effect.map(names(red), (n) => n.length === 3), Duration.seconds(3), "red learns a and b")
      // Twenty probe periods: red probes, gossips its alive and push/pulls meanwhile.
      for (let i = 0; i < 20; i++) {
        yield* TestClock.adjust(Duration.seconds(1))
        expect(yield* names(a)).toEqual(["a", "b"])
        expect(yield* names(b)).toEqual(["a", "b"])
      }
      expect(eventsAbout(yield* Ref.get(events), "red")).toEqual([])
      expect((yield* Ref.get(events)).map((e) => e._tag)).toContain("MemberJoined") // b's join was seen
      expect((yield* refusals("filterJoin")) - before).toBeGreaterThan(1)
    }))

  it.scoped("a join whose every seed's state is refused by filterMerge fails with JoinFailed", () =>
    Effect.gen(function*() {
      const cluster = yield* make()
      const before = yield* refusals("filterMerge")
      const seen = yield* Ref.make<ReadonlyArray<boolean>>([])
      const a = yield* cluster.start({ name: "a", address: addressOf(0), hooks: { meta: utf8.encode("red") } })
      const b = yield* cluster.start({
        name: "b",
        address: addressOf(1),
        hooks: {
          filterMerge: (peers, join) => {
            Effect.runSync(Ref.update(seen, (all) => [...all, join]))
            return peers.some((p) => text.decode(p.meta) === "red") ? "a red cluster" : undefined
          }
        }
      })
      const joined = yield* whileAdvancing(Effect.either(b.member.join([a.address])), Duration.seconds(5), "b's join ends")
      expect(Either.isLeft(joined) && joined.left._tag).toBe("JoinFailed")
      expect(yield* Ref.get(seen)).toEqual([true])
      expect((yield* refusals("filterMerge")) - before).toBe(1)
    }))
})
