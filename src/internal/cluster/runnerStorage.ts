/**
 * A `RunnerStorage` that reports a runner unhealthy as soon as gossip has
 * declared it dead, without waiting for the health-check singleton (which
 * runs on one runner, every `runnerHealthCheckInterval`, and stops with that
 * runner). Every runner reads the view on its own in its assignment loop.
 * Shard locks, registration and everything else go to the wrapped storage.
 *
 * @internal
 */
import { RunnerStorage } from "@effect/cluster/RunnerStorage"
import { Effect } from "effect"
import type { RunnerView } from "./runnerView.js"

export const make = (storage: RunnerStorage["Type"], view: RunnerView): RunnerStorage["Type"] =>
  RunnerStorage.of({
    ...storage,
    getRunners: Effect.flatMap(storage.getRunners, (runners) =>
      Effect.forEach(runners, ([runner, healthy]) =>
        healthy
          ? Effect.map(view.verdict(runner.address), (verdict) => [runner, verdict !== "dead"] as const)
          : Effect.succeed([runner, healthy] as const)))
  })
