/**
 * What gossip says about an `@effect/cluster` runner, by its address: alive
 * (its member is alive or suspect), dead (its member failed or left, and no
 * live member carries that address), or unknown (no member has carried it).
 *
 * The member list forgets dead members after a while, so departures are
 * also remembered here, in a bounded table (oldest evicted first, counted).
 *
 * @internal
 */
import type { RunnerAddress } from "@effect/cluster/RunnerAddress"
import { Effect, Metric, Option, Stream } from "effect"
import type { Scope } from "effect"
import type { Memberlist } from "../../Memberlist.js"
import * as metrics from "./metrics.js"
import { runnerKey, runnerKeyOf } from "./runnerMetadata.js"

export type Verdict = "alive" | "dead" | "unknown"

export interface RunnerView {
  readonly verdict: (address: RunnerAddress) => Effect.Effect<Verdict>
}

export interface Options {
  /** How many departed runners to remember after the member list forgot them (default 4096). */
  readonly departures?: number | undefined
}

const isLive = (state: string) => state === "alive" || state === "suspect"

export const make = <A>(
  memberlist: Memberlist<A>,
  options: Options = {}
): Effect.Effect<RunnerView, never, Scope.Scope> =>
  Effect.gen(function*() {
    const capacity = Math.max(1, options.departures ?? 4096)
    // Insertion order is departure order: the first key is the oldest.
    const departed = new Set<string>()

    const remember = (key: string) =>
      Effect.suspend(() => {
        departed.delete(key)
        departed.add(key)
        if (departed.size <= capacity) return Effect.void
        departed.delete(departed.values().next().value!)
        return Metric.increment(metrics.departuresEvicted)
      })

    const events = yield* memberlist.events
    yield* events.pipe(
      Stream.runForEach((event) => {
        if (event._tag !== "MemberFailed" && event._tag !== "MemberLeft") return Effect.void
        return Effect.flatMap(runnerKeyOf(event.member), Option.match({ onNone: () => Effect.void, onSome: remember }))
      }),
      Effect.forkScoped
    )

    const judge = (key: string): Effect.Effect<Verdict> =>
      Effect.gen(function*() {
        let known = false
        for (const member of yield* memberlist.allMembers) {
          const carried = yield* runnerKeyOf(member)
          if (Option.isNone(carried) || carried.value !== key) continue
          if (isLive(member.state)) return "alive"
          known = true
        }
        return known || departed.has(key) ? "dead" : "unknown"
      })

    return {
      verdict: (address) =>
        Effect.tap(judge(runnerKey(address)), (verdict) =>
          Metric.increment(Metric.tagged(metrics.verdicts, "verdict", verdict)))
    }
  })
