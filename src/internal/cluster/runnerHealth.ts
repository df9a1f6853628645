/**
 * `@effect/cluster`'s `RunnerHealth` answered from the gossip view.
 *
 * @internal
 */
import type { RunnerAddress } from "@effect/cluster/RunnerAddress"
import { RunnerHealth } from "@effect/cluster/RunnerHealth"
import { Effect } from "effect"
import type { RunnerView } from "./runnerView.js"

export interface Options {
  /**
   * The answer for a runner no member has ever carried (default: alive, so
   * shards never move without evidence; a runner that never joined gossip
   * is left to the storage's own heartbeat expiry).
   */
  readonly onUnknown?: ((address: RunnerAddress) => Effect.Effect<boolean>) | undefined
}

export const make = (view: RunnerView, options: Options = {}): RunnerHealth["Type"] => {
  const onUnknown = options.onUnknown ?? (() => Effect.succeed(true))
  return RunnerHealth.of({
    isAlive: (address) =>
      Effect.flatMap(view.verdict(address), (verdict) =>
        verdict === "unknown" ? onUnknown(address) : Effect.succeed(verdict === "alive"))
  })
}
