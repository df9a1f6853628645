/**
 * Runs a member's election machine on Effect: one fiber owns it and feeds
 * it, in order, the timers that are due, the election messages that came
 * through the member's system channel, and the view (the members alive or
 * suspect that run effect-memberlist, itself while alive), read again after
 * every membership event that can change it. Its messages go out through
 * the same channel; what it names as leader is kept for readers and
 * published to `changes` subscribers.
 *
 * @internal
 */
import { MemberMetrics } from "./memberMetrics.js"
import { Chunk, Deferred, Duration, Effect, Metric, Option, Queue, Stream } from "effect"
import type { LeaderElection, LeaderState, Options } from "../../Leader.js"
import { InvalidOptions, type Member, type Memberlist, type MembershipEvent } from "../../Memberlist.js"
import { EventQueue } from "../driver/eventQueue.js"
import { decodeElectionMessage, encodeElectionMessage } from "../leader/codec.js"
import { defaultElectionConfig, type ElectionConfig, invalidElectionConfig } from "../leader/config.js"
import * as Election from "../leader/election.js"
import type { ElectionInput, ElectionTimer } from "../leader/io.js"
import { SENDER_ENVELOPE_VERSION } from "../swim/sender.js"
import * as Delivery from "./delivery.js"
import { systemChannelsOf, systemMessagesDropped } from "./systemChannel.js"
import { SystemChannel } from "./systemEnvelope.js"

/** Election messages waiting for the election fiber; beyond it they are dropped and counted. */
const inboxCapacity = 1024

/** Elections this member won. */
export const electionsWon = Metric.counter("memberlist_leader_elections_won", { description: "elections this member won" })
/** Changes of the leader this member names. */
export const leaderChanges = Metric.counter("memberlist_leader_changes", { description: "changes of the leader this member names" })
/** The term this member is in. */
export const leaderTerm = Metric.gauge("memberlist_leader_term", { description: "the election term this member is in" })

/** The machine's timings from the options, or why they cannot be used. */
export const electionConfigOf = (options: Options): ElectionConfig | InvalidOptions => {
  const ms = (d: Duration.DurationInput | undefined, fallback: number) => (d === undefined ? fallback : Duration.toMillis(Duration.decode(d)))
  const config: ElectionConfig = {
    heartbeatInterval: ms(options.heartbeatInterval, defaultElectionConfig.heartbeatInterval),
    electionTimeoutMin: ms(options.electionTimeout?.min, defaultElectionConfig.electionTimeoutMin),
    electionTimeoutMax: ms(options.electionTimeout?.max, defaultElectionConfig.electionTimeoutMax)
  }
  const problem = invalidElectionConfig(config)
  return problem === undefined ? config : new InvalidOptions({ option: "Leader", problem })
}

/** Events that leave who is alive as it was. */
const viewKeeping = (event: MembershipEvent): boolean => event._tag === "MemberSuspected" || event._tag === "MemberUpdated"

/** The members that take part: those that read our envelopes (effect-memberlist), and this one while alive. */
const viewOf = (members: ReadonlyArray<Member>, self: string): Array<string> =>
  members.filter((m) => m.name === self || (m.versions[4] ?? 0) >= SENDER_ENVELOPE_VERSION).map((m) => m.name)

const sameLeader = Option.getEquivalence((x: string, y: string) => x === y)
const sameState = (a: LeaderState, b: LeaderState): boolean => a.term === b.term && sameLeader(a.leader, b.leader)

/** Runs an election for `member` in the current scope. */
export const make = <A>(member: Memberlist<A>, options: Options = {}) =>
  Effect.gen(function*() {
    const channels = systemChannelsOf(member)
    if (channels === undefined) {
      return yield* new InvalidOptions({ option: "Leader", problem: "the member was not made by Memberlist.make or Memberlist.layer" })
    }
    const config = electionConfigOf(options)
    if (config instanceof InvalidOptions) return yield* config
    const bufferProblem = Delivery.invalidDeliveryOptions(options.changesBuffer)
    if (bufferProblem !== undefined) return yield* new InvalidOptions({ option: "changesBuffer", problem: bufferProblem })
    const clock = yield* Effect.clock
    const self = (yield* member.localMember).name
    const seed = options.seed ?? (yield* Effect.randomWith((r) => r.nextIntBetween(0, 2 ** 31)))
    const machine = Election.make(self, config, seed)
    const timers = new EventQueue<ElectionTimer>()
    const inputs = yield* Queue.bounded<ElectionInput>(inboxCapacity)
    const counts = new MemberMetrics(self)
    const published = Delivery.make<LeaderState>("leader", options.changesBuffer ?? { capacity: 16, strategy: "sliding" }, counts)
    let current: LeaderState = { leader: Option.none(), term: 0 }

    /** Steps the machine, performs what it asked, and returns the leader it names if that changed. */
    const step = (input: ElectionInput): LeaderState | undefined => {
      let changed: LeaderState | undefined
      for (const output of Election.step(machine, input, clock.unsafeCurrentTimeMillis())) {
        switch (output._tag) {
          case "Send":
            channels.send(output.to, SystemChannel.Leader, encodeElectionMessage(output.message))
            break
          case "SetTimer":
            // Whole ms, never early: a clock that cannot reach a fractional time would wait on it forever.
            timers.push(Math.ceil(output.at), output.timer)
            break
          case "LeaderChanged":
            changed = { leader: Option.fromNullable(output.leader), term: output.term }
            // The machine names itself only on winning a term.
            if (output.leader === self) electionsWon.unsafeUpdate(1, [])
        }
      }
      return changed
    }

    const announce = (changed: LeaderState | undefined): Effect.Effect<void> => {
      if (changed === undefined) return Effect.void
      current = changed
      leaderChanges.unsafeUpdate(1, [])
      leaderTerm.unsafeUpdate(changed.term, [])
      return published.publish(changed)
    }

    const readView = Effect.map(member.members, (members): ElectionInput => ({ _tag: "ViewChanged", members: viewOf(members, self) }))

    // The first view, then the start, before anything else can arrive.
    yield* announce(step(yield* readView))
    yield* announce(step({ _tag: "Start" }))

    const messages = yield* channels.subscribe(SystemChannel.Leader, inboxCapacity)
    yield* Effect.forkScoped(Stream.runForEach(Stream.fromQueue(messages), ({ body, from }) => {
      const message = decodeElectionMessage(body)
      if (message === undefined) {
        counts.countAs(systemMessagesDropped, "reason", "malformed")
        return Effect.void
      }
      if (!inputs.unsafeOffer({ _tag: "Received", from, message })) counts.countAs(systemMessagesDropped, "reason", "queue_full")
      return Effect.void
    }))
    const events = yield* member.events
    // A view change must not be lost: it waits for room rather than being dropped.
    yield* Effect.forkScoped(Stream.runForEachChunk(events, (chunk) =>
      Chunk.every(chunk, viewKeeping) ? Effect.void : Effect.flatMap(readView, (view) => Queue.offer(inputs, view))))

    const nextInput = Effect.suspend(() => {
      const wait = timers.peekTime() - clock.unsafeCurrentTimeMillis()
      return wait === Infinity
        ? Effect.map(Queue.take(inputs), Option.some)
        : Effect.timeoutOption(Queue.take(inputs), Duration.millis(Math.max(1, wait)))
    })
    const loop = Effect.forever(Effect.gen(function*() {
      while (timers.peekTime() <= clock.unsafeCurrentTimeMillis()) {
        const timer = (timers.pop() as { readonly value: ElectionTimer }).value
        yield* announce(step({ _tag: "TimerFired", timer }))
      }
      const input = yield* nextInput
      if (Option.isSome(input)) yield* announce(step(input.value))
    }))
    yield* Effect.forkScoped(loop)

    // Once the election stops, this member names no leader, and every `changes` stream (and `whileLeader`) ends.
    const closed = yield* Deferred.make<void>()
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(announce({ leader: Option.none(), term: current.term }), Deferred.succeed(closed, undefined))
    )
    const changes: Stream.Stream<LeaderState> = Stream.unwrapScoped(
      Effect.map(published.subscribe, (queue) => Stream.concat(Stream.sync(() => current), Stream.fromQueue(queue)))
    ).pipe(Stream.changesWith(sameState), Stream.interruptWhen(Deferred.await(closed)))

    const service: LeaderElection = {
      changes,
      current: Effect.sync(() => current),
      leader: Effect.sync(() => current.leader),
      isLeader: Effect.sync(() => Option.getOrUndefined(current.leader) === self),
      term: Effect.sync(() => current.term),
      whileLeader: (job) =>
        changes.pipe(
          Stream.map((state) => Option.getOrUndefined(state.leader) === self),
          Stream.changes,
          Stream.flatMap((leading) => (leading ? Stream.fromEffect(job) : Stream.empty), { switch: true }),
          Stream.runDrain
        )
    }
    return service
  })
