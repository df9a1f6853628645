/**
 * The application's state in push/pull (memberlist's `Delegate.LocalState`
 * and `MergeRemoteState`), on the shell's side of the line: the core decides
 * when received state may reach the application (after its membership was
 * merged, within the size bound); this module asks the application for the
 * bytes to send and hands it what arrived.
 *
 * The application's effects never run on the driver fiber. Local state is
 * asked for on the fiber of the push/pull that sends it (so several may run
 * at once); received state goes through a bounded queue to one fiber that
 * merges it, one state at a time, in the order the core released them.
 * Every failure costs the exchange nothing but the application's bytes: it
 * is counted (`metrics.appState`, by reason) and logged.
 *
 * @internal
 */
import { Cause, Duration, Effect } from "effect"
import { Mailbox } from "./mailbox.js"
import type { MemberMetrics } from "./memberMetrics.js"
import * as metrics from "./metrics.js"

/** Received states waiting for the application; beyond it, new ones are dropped and counted. */
const mergeQueueCapacity = 64

const empty = new Uint8Array(0)

/** What the application supplies. */
export interface AppStateOptions {
  readonly localState?: ((join: boolean) => Effect.Effect<Uint8Array>) | undefined
  readonly mergeRemoteState?: ((state: Uint8Array, join: boolean) => Effect.Effect<void>) | undefined
  /** Largest state sent, in bytes (the core bounds what is received). */
  readonly maxSize: number
  /** How long the application may take to give or take one state. */
  readonly timeout: Duration.Duration
  /** Whose series `metrics.appState` counts in. */
  readonly member: MemberMetrics
}

/** The shell's handle on the application's state. */
export interface AppState {
  /** The bytes a push/pull sends: the application's, or none when it has none, fails, is late or gives too many. */
  readonly local: (join: boolean) => Effect.Effect<Uint8Array>
  /** `local` without an effect, present when there is no `localState` hook (the answer is always none). */
  readonly localNow: ((join: boolean) => Uint8Array) | undefined
  /** Queues received state for the application; never waits (a full queue drops it). */
  readonly merge: (state: Uint8Array, join: boolean) => void
  /** Merges queued states, one at a time, for as long as it runs; absent when there is no merge hook (nothing to fork). */
  readonly run: Effect.Effect<void> | undefined
}

/** The application's hooks, bounded and counted. */
export const make = (options: AppStateOptions): AppState => {
  const count = (reason: string): void => options.member.countAs(metrics.appState, "reason", reason)
  const queue = new Mailbox<{ readonly state: Uint8Array; readonly join: boolean }>(mergeQueueCapacity)

  const local = (join: boolean): Effect.Effect<Uint8Array> => {
    const localState = options.localState
    if (localState === undefined) return Effect.succeed(empty)
    return Effect.suspend(() => localState(join)).pipe(
      Effect.timeoutFail({ duration: options.timeout, onTimeout: () => "timed out" as const }),
      Effect.flatMap((state) => {
        if (!(state instanceof Uint8Array)) return Effect.fail("not bytes" as const)
        if (state.length > options.maxSize) {
          count("local_too_large")
          return Effect.as(
            Effect.logWarning(`localState gave ${state.length} bytes, over the ${options.maxSize}-byte bound: sent none`),
            empty
          )
        }
        if (state.length > 0) count("sent")
        return Effect.succeed(state)
      }),
      Effect.catchAllCause((cause) => {
        count("local_failed")
        return Effect.as(Effect.logWarning("localState failed: sent none", Cause.pretty(cause)), empty)
      })
    )
  }

  const mergeOne = (state: Uint8Array, join: boolean): Effect.Effect<void> => {
    const mergeRemoteState = options.mergeRemoteState
    if (mergeRemoteState === undefined) return Effect.void
    return Effect.suspend(() => mergeRemoteState(state, join)).pipe(
      Effect.timeoutFail({ duration: options.timeout, onTimeout: () => "timed out" as const }),
      Effect.tap(() => count("merged")),
      Effect.catchAllCause((cause) => {
        count("merge_failed")
        return Effect.logWarning("mergeRemoteState failed", Cause.pretty(cause))
      })
    )
  }

  return {
    local,
    localNow: options.localState === undefined ? () => empty : undefined,
    merge: (state, join) => {
      if (options.mergeRemoteState === undefined) return
      if (!queue.unsafeOffer({ state, join })) count("merge_queue_full")
    },
    // Without a merge hook nothing is ever queued: no fiber is forked for it at all.
    run: options.mergeRemoteState === undefined ? undefined : Effect.forever(
      Effect.zipRight(
        queue.available,
        Effect.suspend(() => Effect.forEach(queue.takeAll(), ({ join, state }) => mergeOne(state, join), { discard: true }))
      )
    )
  }
}
