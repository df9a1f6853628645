/**
 * Discovery through a shared key-value store (`@effect/platform`'s
 * `KeyValueStore`: a directory, Redis, anything with a layer): each member
 * publishes its address with a timestamp, and reads everyone else's.
 *
 * `KeyValueStore` cannot list its keys, and a read-modify-write of one key
 * holding every member would let concurrent writers erase each other. So
 * the store holds a fixed number of slots, `PREFIX0` ... `PREFIX(n-1)`, each
 * one member's entry (see storeEntry.ts), and members write only their own:
 *
 * - a member keeps the slot holding its name; without one it claims the
 *   first slot from `hash(name) mod n` on that is empty, unreadable or
 *   stale. Two members claiming the same slot at once: the later write
 *   wins, and the other, reading the slot on its next publish, sees a live
 *   entry not its own and claims the next free slot. Each publish repairs
 *   what a race broke, within one `publishInterval`.
 * - each publish removes stale entries it read (a member that died without
 *   leaving); a stop removes the member's own entry.
 * - with every slot live, the member cannot publish (counted as `no_slot`,
 *   logged) but still reads the others, and joins them: slots only need to
 *   outnumber the members a newcomer must be able to reach.
 *
 * Staleness compares the writer's clock with the reader's: clocks must agree
 * to well within `expireAfter`.
 *
 * @internal
 */
import { fnv1a } from "../fnv1a.js"
import { KeyValueStore } from "@effect/platform/KeyValueStore"
import { Clock, Duration, Effect, Random, Ref, type Scope } from "effect"
import type { SwimConfig } from "../../SwimConfig.js"
import type { Address, Transport } from "../../Transport.js"
import { checkTimeout, type DiscoveryShape, invalidOptions, make, withTimeout } from "./discovery.js"
import { DiscoveryError } from "./error.js"
import * as metrics from "./metrics.js"
import { publishable } from "./self.js"
import { decodeSlot, encodeEntry, type Slot } from "./storeEntry.js"

/** Options of key-value store discovery; every field has a default. */
export interface KeyValueStoreOptions {
  readonly prefix?: string
  readonly slots?: number
  readonly publishInterval?: Duration.DurationInput
  readonly expireAfter?: Duration.DurationInput
  readonly timeoutMillis?: number
}

const defaultSlots = 32
const maxSlots = 1024
const defaultPublishInterval = Duration.seconds(10)
/** Slots read at once: enough to make a remote store's latency overlap, few enough not to flood it. */
const readConcurrency = 8

/** FNV-1a, so a name's first slot is the same on every member and in every run. */
export const hashOf = fnv1a

const storeFailed = (what: string) => (cause: unknown) =>
  new DiscoveryError({
    reason: "SourceFailed",
    message: `key-value store: cannot ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/**
 * Key-value store discovery for the member whose `SwimConfig` and
 * `Transport` are in context. The first publish happens here, so a store
 * that cannot be written fails the layer; later failures are logged and
 * counted, and retried at the next interval.
 */
export const makeKeyValueStore = (
  options: KeyValueStoreOptions = {}
): Effect.Effect<DiscoveryShape, DiscoveryError, KeyValueStore | SwimConfig | Transport | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* KeyValueStore
    const me = yield* publishable
    const slots = options.slots ?? defaultSlots
    if (!Number.isInteger(slots) || slots < 1 || slots > maxSlots) {
      return yield* invalidOptions(`slots must be an integer in 1..${maxSlots}, got ${slots}`)
    }
    const publishMillis = Duration.toMillis(Duration.decode(options.publishInterval ?? defaultPublishInterval))
    if (!(publishMillis > 0)) return yield* invalidOptions("publishInterval must be positive")
    const expireMillis = options.expireAfter === undefined
      ? 3 * publishMillis
      : Duration.toMillis(Duration.decode(options.expireAfter))
    if (!(expireMillis > publishMillis)) {
      return yield* invalidOptions("expireAfter must be longer than publishInterval, or live entries expire between publishes")
    }
    const timeoutMillis = yield* checkTimeout(options.timeoutMillis)
    const prefix = options.prefix ?? `effect-memberlist/${me.label === "" ? "default" : me.label}/`
    const keyOf = (i: number) => `${prefix}${i}`
    const home = hashOf(me.name) % slots

    const readAll = Effect.forEach(
      Array.from({ length: slots }, (_, i) => i),
      (i) => Effect.map(store.get(keyOf(i)), (value): Slot => decodeSlot(value._tag === "Some" ? value.value : undefined)),
      { concurrency: readConcurrency }
    ).pipe(Effect.mapError(storeFailed("read")))

    const isStale = (at: number, now: number) => now - at > expireMillis || at - now > expireMillis

    const discover = Effect.gen(function*() {
      const all = yield* readAll
      const now = yield* Clock.currentTimeMillis
      const found: Array<Address> = []
      for (const slot of all) {
        if (slot._tag === "Malformed") metrics.count(metrics.store, "malformed")
        if (slot._tag !== "Entry" || slot.entry.name === me.name) continue
        if (isStale(slot.entry.at, now)) metrics.count(metrics.store, "stale")
        else found.push(slot.entry.address)
      }
      return found
    }).pipe(
      withTimeout(timeoutMillis, `key-value store ${prefix}*`),
      Effect.withSpan("Discovery.keyValueStore", { attributes: { prefix } })
    )

    /** The slot this member last wrote, for the finalizer. */
    const written = yield* Ref.make<number | undefined>(undefined)

    const publish = Effect.gen(function*() {
      const all = yield* readAll
      const now = yield* Clock.currentTimeMillis
      const mine = all.flatMap((slot, i) => (slot._tag === "Entry" && slot.entry.name === me.name ? [i] : []))
      const claimable = (i: number) => {
        const slot = all[i]!
        return slot._tag !== "Entry" || isStale(slot.entry.at, now)
      }
      let target = mine[0]
      for (let k = 0; target === undefined && k < slots; k++) {
        if (claimable((home + k) % slots)) target = (home + k) % slots
      }
      if (target === undefined) {
        metrics.count(metrics.store, "no_slot")
        yield* Effect.logWarning(`key-value store discovery: all ${slots} slots under ${prefix} hold live members; not published`)
      } else {
        yield* store.set(keyOf(target), encodeEntry({ name: me.name, address: me.address, at: now })).pipe(
          Effect.mapError(storeFailed("write"))
        )
        yield* Ref.set(written, target)
        metrics.count(metrics.store, "published")
      }
      // Our duplicates (left by a race) and the dead's entries.
      const removable = all.flatMap((slot, i) =>
        i !== target && slot._tag === "Entry" && (slot.entry.name === me.name || isStale(slot.entry.at, now)) ? [i] : []
      )
      yield* Effect.forEach(removable, (i) =>
        Effect.zipRight(store.remove(keyOf(i)), Effect.sync(() => metrics.count(metrics.store, "pruned"))), { discard: true }).pipe(
          Effect.mapError(storeFailed("remove"))
        )
    }).pipe(withTimeout(timeoutMillis, `key-value store ${prefix}*`))

    // Leaving: remove our entry, if the slot still holds it. Added before the publishing fiber
    // starts, so it runs after that fiber is interrupted and nothing writes the entry again.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        const slot = yield* Ref.get(written)
        if (slot === undefined) return
        const value = yield* store.get(keyOf(slot))
        const current = decodeSlot(value._tag === "Some" ? value.value : undefined)
        if (current._tag === "Entry" && current.entry.name === me.name) yield* store.remove(keyOf(slot))
      }).pipe(Effect.timeout(Duration.millis(timeoutMillis)), Effect.ignore)
    )
    yield* publish
    const pause = Effect.flatMap(Random.nextRange(0.8, 1.2), (f) => Effect.sleep(Duration.millis(publishMillis * f)))
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.zipRight(
          pause,
          publish.pipe(
            Effect.catchAll((error) =>
              Effect.zipRight(
                Effect.sync(() => metrics.count(metrics.store, "publish_failed")),
                Effect.logWarning("key-value store discovery: publish failed", error.message)
              )
            )
          )
        )
      )
    )
    return make(discover)
  })
