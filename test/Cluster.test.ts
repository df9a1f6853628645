/**
 * The gossip view of `@effect/cluster` runners, on virtual time: members on
 * a memory network carry runner addresses in their metadata, and one of
 * them judges the runners as members come, turn suspect, fail, leave and
 * are forgotten.
 */
import * as MachineId from "@effect/cluster/MachineId"
import * as Runner from "@effect/cluster/Runner"
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as RunnerStorage from "@effect/cluster/RunnerStorage"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Schema } from "effect"
import * as Cluster from "../src/Cluster.js"
import * as Memberlist from "../src/Memberlist.js"
import { addressOf, advanceUntil, counted, make, type VirtualMember } from "./support/virtualCluster.js"

const runnerOf = (i: number) => RunnerAddress.make(`10.0.0.${i + 1}`, 34431)

const advertise = (member: VirtualMember, i: number) =>
  Effect.flatMap(Cluster.runnerMetadata.encode(runnerOf(i)), member.member.updateMetadata)

/** Four members; the first three are runners 0..2 (runner 1 crashes rather than leaves), the last is no runner. */
const fourMembers = Effect.gen(function*() {
  const cluster = yield* make()
  const config = { gossipToTheDeadTime: Duration.seconds(5) }
  const members = yield* Effect.forEach([0, 1, 2, 3], (i) =>
    cluster.start({
      name: `node-${i}`,
      address: addressOf(i),
      config,
      leaveOnClose: i !== 1,
      ...(i === 0 ? {} : { seeds: [addressOf(0)] })
    }))
  yield* Effect.forEach(members.slice(0, 3), advertise)
  yield* advanceUntil(
    Effect.map(Effect.forEach(members, (m) => m.member.members), (views) =>
      views.every((v) => v.length === 4 && v.filter(isRunner).length === 3)),
    Duration.seconds(10),
    "four members, three of them runners, in every view"
  )
  return members
})

const isRunner = (member: Memberlist.Member) => Either.isRight(Effect.runSync(Effect.either(Cluster.runnerMetadata.decode(member))))

const stateOf = (observer: VirtualMember, name: string) =>
  Effect.map(observer.member.allMembers, (all) => all.find((m) => m.name === name)?.state)

/** Moves virtual time in 20 ms steps until `observer` holds `subject` in `state`, failing after `limit`. */
const untilState = (observer: VirtualMember, subject: VirtualMember, state: Memberlist.MemberState, limit: Duration.DurationInput) =>
  advanceUntil(Effect.map(stateOf(observer, subject.name), (s) => s === state), limit, `${subject.name} ${state}`, Duration.millis(20))

/** Moves virtual time until `observer` knows only itself and one other member: the departed are forgotten. */
const untilForgotten = (observer: VirtualMember) =>
  advanceUntil(Effect.map(observer.member.allMembers, (all) => all.length === 2), Duration.seconds(60), "node-1 and node-2 forgotten")

describe("runner metadata", () => {
  it.effect("round-trips an address, ignores keys beside it, refuses what is no runner", () =>
    Effect.gen(function*() {
      const member = (meta: Uint8Array): Memberlist.Member => ({
        name: "m",
        address: { host: "127.0.0.1", port: 7946 },
        state: "alive",
        incarnation: 1,
        meta,
        versions: []
      })
      const address = RunnerAddress.make("10.1.2.3", 34431)
      const decoded = yield* Cluster.runnerMetadata.decode(member(yield* Cluster.runnerMetadata.encode(address)))
      expect(decoded).toEqual(address)

      const Wider = Memberlist.metadata(Schema.Struct({ ...Cluster.RunnerMetadata.fields, zone: Schema.String }))
      const wide = yield* Wider.encode({ runner: { host: "10.1.2.3", port: 34431 }, zone: "eu-west-1a" })
      expect(yield* Cluster.runnerMetadata.decode(member(wide))).toEqual(address)

      const Other = Memberlist.metadata(Schema.Struct({ zone: Schema.String }))
      for (const meta of [new Uint8Array(0), yield* Other.encode({ zone: "x" }), new Uint8Array([0xc1, 0xff])]) {
        expect(Either.isLeft(yield* Effect.either(Cluster.runnerMetadata.decode(member(meta))))).toBe(true)
      }
      const badPort = Memberlist.metadata(Schema.Struct({ runner: Schema.Struct({ host: Schema.String, port: Schema.Number }) }))
      expect(Either.isLeft(yield* Effect.either(Cluster.runnerMetadata.decode(member(yield* badPort.encode({ runner: { host: "h", port: 0 } })))))).toBe(true)
    }))
})

describe("Cluster.makeRunnerHealth", () => {
  it.scoped("alive while alive or suspect, dead once failed or left, unknown runners answered by onUnknown", () =>
    Effect.gen(function*() {
      const members = yield* fourMembers
      const [observer, crashing, leaving] = [members[0]!, members[1]!, members[2]!]
      const unknownAsked: Array<string> = []
      const health = yield* Cluster.makeRunnerHealth(observer.member, {
        onUnknown: (address) => Effect.sync(() => unknownAsked.push(`${address.host}:${address.port}`)).pipe(Effect.as(false))
      })
      const alive = (i: number) => health.isAlive(runnerOf(i))

      expect([yield* alive(0), yield* alive(1), yield* alive(2)]).toEqual([true, true, true])
      expect(yield* alive(7)).toBe(false)
      expect(unknownAsked).toEqual(["10.0.0.8:34431"])

      // A crash: suspect first (still alive to @effect/cluster), then dead.
      yield* crashing.stop
      yield* untilState(observer, crashing, "suspect", Duration.seconds(10))
      expect(yield* alive(1)).toBe(true)
      yield* untilState(observer, crashing, "dead", Duration.seconds(30))
      expect(yield* alive(1)).toBe(false)

      // A graceful leave.
      yield* leaving.stop
      yield* untilState(observer, leaving, "left", Duration.seconds(10))
      expect(yield* alive(2)).toBe(false)

      // Forgotten by the member list, still remembered as departed.
      yield* untilForgotten(observer)
      expect([yield* alive(0), yield* alive(1), yield* alive(2)]).toEqual([true, false, false])
      expect(unknownAsked).toEqual(["10.0.0.8:34431"])
    }))

  it.scoped("remembers a bounded number of departures, evicting the oldest and counting it", () =>
    Effect.gen(function*() {
      const members = yield* fourMembers
      const [observer, crashing, leaving] = [members[0]!, members[1]!, members[2]!]
      const health = yield* Cluster.makeRunnerHealth(observer.member, { departures: 1 })
      const evictedBefore = yield* counted(Cluster.metrics.departuresEvicted)
      yield* crashing.stop
      yield* untilState(observer, crashing, "dead", Duration.seconds(30))
      yield* leaving.stop
      yield* untilForgotten(observer)
      // Only the later departure is remembered; the earlier one is unknown again (default answer: alive).
      expect(yield* health.isAlive(runnerOf(2))).toBe(false)
      expect(yield* health.isAlive(runnerOf(1))).toBe(true)
      expect((yield* counted(Cluster.metrics.departuresEvicted)) - evictedBefore).toBe(1)
    }))
})

describe("Cluster.makeRunnerStorage", () => {
  it.scoped("reports a runner unhealthy once gossip holds it dead, and passes everything else through", () =>
    Effect.gen(function*() {
      const members = yield* fourMembers
      const [observer, crashing] = [members[0]!, members[1]!]
      const inner = yield* RunnerStorage.makeMemory
      const storage = yield* Cluster.makeRunnerStorage(observer.member, inner)
      for (const i of [0, 1, 2, 5]) {
        expect(yield* storage.register(Runner.make({ address: runnerOf(i), groups: ["default"], weight: 1 }), true)).toEqual(MachineId.make(i === 5 ? 3 : i))
      }
      const health = Effect.map(storage.getRunners, (runners) =>
        Object.fromEntries(runners.map(([r, healthy]) => [r.address.host, healthy])))
      // Runner 5 never joined gossip: left healthy.
      expect(yield* health).toEqual({ "10.0.0.1": true, "10.0.0.2": true, "10.0.0.3": true, "10.0.0.6": true })
      yield* crashing.stop
      yield* untilState(observer, crashing, "suspect", Duration.seconds(10))
      expect((yield* health)["10.0.0.2"]).toBe(true)
      yield* untilState(observer, crashing, "dead", Duration.seconds(30))
      expect(yield* health).toEqual({ "10.0.0.1": true, "10.0.0.2": false, "10.0.0.3": true, "10.0.0.6": true })
    }))
})
