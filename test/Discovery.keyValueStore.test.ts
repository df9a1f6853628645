import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer, Metric, Option, Ref, Schema, Scope, TestClock } from "effect"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Discovery from "../src/Discovery.js"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { hashOf } from "../src/internal/discovery/keyValueStore.js"
import { advanceUntil, counted } from "./support/virtualCluster.js"

class Cluster extends Memberlist.Tag("test/StoreCluster")<Cluster, unknown>() {}

const addressOf = (i: number): Transport.Address => ({ host: `127.0.0.${i + 1}`, port: 7946 })
const configOf = (name: string, address: Transport.Address) =>
  SwimConfig.layer(SwimConfig.local({ name, bindHost: address.host, bindPort: address.port }))
const storeCount = (reason: string) => counted(Metric.tagged(Discovery.metrics.store, "reason", reason))
const options: Discovery.KeyValueStoreOptions = { publishInterval: Duration.seconds(1) }

/** A member whose discovery is the store, on `network`; stopped with the test's scope, without leaving. */
const startMember = (
  network: Transport.MemoryNetwork,
  store: Layer.Layer<KeyValueStore.KeyValueStore>,
  i: number
) =>
  Effect.map(
    Layer.build(
      Memberlist.layer(Cluster, { messages: Schema.Unknown, encoding: "json", seed: i + 1, leaveOnClose: false }).pipe(
        Layer.provide(Discovery.keyValueStore(options)),
        Layer.provide(network.layer(addressOf(i))),
        Layer.provide(configOf(`m${i}`, addressOf(i))),
        Layer.provide(store)
      )
    ),
    (context) => Context.get(context, Cluster)
  )

const allSee = (members: ReadonlyArray<Memberlist.Memberlist<unknown>>, n: number) =>
  Effect.map(
    Effect.forEach(members, (m) => m.members),
    (views) => views.every((view) => view.length === n && view.every((m) => m.state === "alive"))
  )

/** The store built once, so every member shares the same one. */
const shared = <E>(layer: Layer.Layer<KeyValueStore.KeyValueStore, E>) => Effect.map(Layer.build(layer), Layer.succeedContext)

const formsFromEmpty = (store: Layer.Layer<KeyValueStore.KeyValueStore>) =>
  Effect.gen(function*() {
    const kv = yield* Effect.provide(KeyValueStore.KeyValueStore, store)
    expect(yield* kv.size).toBe(0)
    const network = Transport.makeMemoryNetwork()
    const members = yield* Effect.forEach([0, 1, 2], (i) => startMember(network, store, i))
    yield* advanceUntil(allSee(members, 3), Duration.seconds(10), "three members see each other alive")
    // Each published one entry, under its cluster's prefix.
    const entries = yield* Effect.forEach(
      Array.from({ length: 32 }, (_, i) => `effect-memberlist/default/${i}`),
      (key) => kv.get(key)
    )
    const names = entries.flatMap((e) => (Option.isSome(e) ? [JSON.parse(e.value).name as string] : [])).sort()
    expect(names).toEqual(["m0", "m1", "m2"])
  })

describe("Discovery.keyValueStore", () => {
  it.scoped("three members form one cluster from an empty memory store", () =>
    Effect.flatMap(shared(KeyValueStore.layerMemory), formsFromEmpty))

  it.scoped("three members form one cluster from an empty directory (file-system store)", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "emdisc-kv-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const store = yield* shared(
        KeyValueStore.layerFileSystem(join(dir, "peers")).pipe(Layer.provide(NodeFileSystem.layer), Layer.provide(NodePath.layer))
      )
      yield* formsFromEmpty(store)
      expect(readdirSync(join(dir, "peers")).length).toBe(3)
    }))

  it.scoped("a dead member's entry is listed until its expiry, then ignored and pruned", () =>
    Effect.gen(function*() {
      const store = yield* shared(KeyValueStore.layerMemory)
      const kv = yield* Effect.provide(KeyValueStore.KeyValueStore, store)
      const network = Transport.makeMemoryNetwork()
      // The dead member: its discovery published, then the process died (its writes stop, no leave).
      const alive = yield* Ref.make(true)
      const dying = Layer.effect(
        KeyValueStore.KeyValueStore,
        Effect.succeed(KeyValueStore.make({
          get: kv.get,
          getUint8Array: kv.getUint8Array,
          size: kv.size,
          clear: kv.clear,
          set: (key, value) => Effect.flatMap(Ref.get(alive), (up) => (up ? kv.set(key, value) : Effect.void)),
          remove: (key) => Effect.flatMap(Ref.get(alive), (up) => (up ? kv.remove(key) : Effect.void))
        }))
      )
      const deadScope = yield* Scope.make()
      yield* Layer.buildWithScope(
        Discovery.keyValueStore(options).pipe(
          Layer.provide(network.layer(addressOf(9))),
          Layer.provide(configOf("dead", addressOf(9))),
          Layer.provide(dying)
        ),
        deadScope
      )
      yield* Ref.set(alive, false)
      yield* Scope.close(deadScope, Exit.void)

      const reader = yield* Layer.build(
        Discovery.keyValueStore(options).pipe(
          Layer.provide(network.layer(addressOf(0))),
          Layer.provide(configOf("reader", addressOf(0))),
          Layer.provide(store)
        )
      ).pipe(Effect.map((context) => Context.get(context, Discovery.Discovery)))
      expect(yield* reader.discover).toEqual([addressOf(9)])

      // Default expiry: three publish intervals (3 s). Just before it the entry still counts.
      yield* TestClock.adjust(Duration.millis(2_900))
      expect(yield* reader.discover).toEqual([addressOf(9)])
      // Ignored by discovery (counted as stale), or already removed by the reader's own publish.
      const dropsBefore = (yield* storeCount("stale")) + (yield* storeCount("pruned"))
      yield* TestClock.adjust(Duration.millis(200))
      expect(yield* reader.discover).toEqual([])
      expect((yield* storeCount("stale")) + (yield* storeCount("pruned"))).toBeGreaterThan(dropsBefore)

      // The reader's next publish (within 1.2 s) removes it: only the reader's own entry is left.
      yield* advanceUntil(Effect.map(kv.size, (n) => n === 1), Duration.seconds(2), "the stale entry is pruned")
      const left = yield* Effect.forEach(Array.from({ length: 32 }, (_, i) => `effect-memberlist/default/${i}`), kv.get)
      expect(left.flatMap((e) => (Option.isSome(e) ? [JSON.parse(e.value).name] : []))).toEqual(["reader"])
    }))

  it.scoped("a member that stops removes its entry; options out of range are InvalidOptions", () =>
    Effect.gen(function*() {
      const store = yield* shared(KeyValueStore.layerMemory)
      const kv = yield* Effect.provide(KeyValueStore.KeyValueStore, store)
      const network = Transport.makeMemoryNetwork()
      const scope = yield* Scope.make()
      const layerOf = (o: Discovery.KeyValueStoreOptions) =>
        Discovery.keyValueStore(o).pipe(
          Layer.provide(network.layer(addressOf(1))),
          Layer.provide(configOf("m1", addressOf(1))),
          Layer.provide(store)
        )
      yield* Layer.buildWithScope(layerOf(options), scope)
      expect(yield* kv.size).toBe(1)
      yield* Scope.close(scope, Exit.void)
      expect(yield* kv.size).toBe(0)

      for (const bad of [{ slots: 0 }, { slots: 1025 }, { publishInterval: 0 }, { publishInterval: "2 seconds", expireAfter: "1 second" }] as const) {
        const error = yield* Effect.flip(Effect.scoped(Layer.build(layerOf(bad))))
        expect(error.reason, JSON.stringify(bad)).toBe("InvalidOptions")
      }
    }))
})

describe("Discovery.keyValueStore slots", () => {
  it.scoped("members started at once with the same first slot end in distinct slots; with every slot live, a newcomer reads but cannot publish", () =>
    Effect.gen(function*() {
      const store = yield* shared(KeyValueStore.layerMemory)
      const kv = yield* Effect.provide(KeyValueStore.KeyValueStore, store)
      const network = Transport.makeMemoryNetwork()
      // Two names whose first slot (of 2) is the same.
      const names = Array.from({ length: 50 }, (_, i) => `n${i}`)
      const first = names[0]!
      const second = names.find((n) => n !== first && hashOf(n) % 2 === hashOf(first) % 2)!
      const layerOf = (name: string, i: number) =>
        Discovery.keyValueStore({ ...options, slots: 2 }).pipe(
          Layer.provide(network.layer(addressOf(i))),
          Layer.provide(configOf(name, addressOf(i))),
          Layer.provide(store)
        )
      const [a] = yield* Effect.all([Layer.build(layerOf(first, 0)), Layer.build(layerOf(second, 1))], { concurrency: 2 })
      const slots = Effect.forEach(["effect-memberlist/default/0", "effect-memberlist/default/1"], (key) =>
        Effect.map(kv.get(key), Option.map((v) => JSON.parse(v).name as string)))
      yield* advanceUntil(
        Effect.map(slots, (s) => s.every(Option.isSome) && new Set(s.map(Option.getOrThrow)).size === 2),
        Duration.seconds(5),
        "each member holds its own slot"
      )
      // Stays so: nobody evicts a live member.
      yield* TestClock.adjust(Duration.seconds(5))
      expect((yield* slots).map(Option.getOrThrow).sort()).toEqual([first, second].sort())

      const noSlot = yield* storeCount("no_slot")
      const newcomer = Context.get(yield* Layer.build(layerOf("late", 2)), Discovery.Discovery)
      expect(yield* storeCount("no_slot")).toBe(noSlot + 1)
      expect(yield* newcomer.discover).toEqual([addressOf(0), addressOf(1)])
      expect(Context.get(a, Discovery.Discovery)).toBeDefined()
    }))
})
