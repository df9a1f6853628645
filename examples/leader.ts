/**
 * A singleton job on the leader: `Leader.layer` runs the election on top of
 * the member, and `whileLeader` runs the job only while this member leads,
 * interrupting it when it stops leading. What the job writes carries the
 * term as a fencing token, which the store checks (docs/leader.md).
 */
import { Data, Effect, Layer, Option, Schedule, Schema, Stream } from "effect"
import { Discovery, Leader, Memberlist, SwimConfig, Transport } from "effect-memberlist"

const Messages = Schema.Union(Schema.TaggedStruct("Ping", {}))
export class Cluster extends Memberlist.Tag("app/Cluster")<Cluster, typeof Messages.Type>() {}

/** A write from a leader of an older term than one the store has already seen. */
export class Fenced extends Data.TaggedError("Fenced")<{ readonly term: number; readonly seen: number }> {}

/** Stands for any external store that keeps the highest term it has seen and refuses older ones. */
const store = new Map<string, { readonly value: string; readonly term: number }>()
export const writeFenced = (key: string, value: string, term: number): Effect.Effect<void, Fenced> =>
  Effect.suspend(() => {
    const seen = store.get(key)?.term ?? 0
    if (term < seen) return Effect.fail(new Fenced({ term, seen }))
    store.set(key, { value, term })
    return Effect.void
  })

/** The singleton job: once a minute, stamped with the term this member leads. */
export const compactOnce = Effect.gen(function*() {
  const election = yield* Leader.Leader
  yield* writeFenced("compaction/last", new Date().toISOString(), yield* election.term)
})

export const program = Effect.gen(function*() {
  const election = yield* Leader.Leader
  yield* Effect.forkScoped(Stream.runForEach(election.changes, (s) =>
    Effect.logInfo(`leader: ${Option.getOrElse(s.leader, () => "none")}, term ${s.term}`)))
  // A fenced write means a newer leader exists: stop until this member leads again.
  yield* election.whileLeader(Effect.repeat(compactOnce, Schedule.spaced("1 minute")).pipe(Effect.catchTag("Fenced", () => Effect.void)))
})

export const MainLive = (name: string, port: number, seeds: ReadonlyArray<string>) =>
  Leader.layer(Cluster, { heartbeatInterval: "1 second", electionTimeout: { min: "3 seconds", max: "6 seconds" } }).pipe(
    Layer.provideMerge(
      Memberlist.layer(Cluster, { messages: Messages }).pipe(
        Layer.provide(Discovery.static(seeds)),
        Layer.provide(Transport.layerNode),
        Layer.provide(SwimConfig.layer(SwimConfig.lan({ name, bindPort: port })))
      )
    )
  )

// Effect.scoped(program).pipe(Effect.provide(MainLive("a", 7946, ["10.0.0.5:7946"])), NodeRuntime.runMain)
