/**
 * A deterministic simulator: N nodes running the real protocol core, sized
 * by the real wire codec, on a simulated network in virtual time.
 *
 * A simulation is described by a `Scenario` - plain, serialisable data: the
 * node count, the seed, a timing preset and overrides, the network (latency
 * distribution, loss, bandwidth) and a timeline of actions (kills, leaves,
 * rolling restarts, partitions, flapping links, loss, asymmetric loss,
 * stalls, late joins). Running it gives a `SimulationReport`: convergence
 * of the join storm (median and last node), detection times of every
 * failure, false suspicions and deaths, traffic per node, and the
 * convergence curve. The same scenario always gives the same result, so a
 * failing seed replays exactly; the report carries the command to do it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Simulator } from "effect-memberlist"
 *
 * const scenario = Simulator.scenario({
 *   nodes: 200,
 *   seed: 7,
 *   duration: 120_000,
 *   actions: [Simulator.kill({ at: 10_000, count: 5 })]
 * })
 * const program = Simulator.run(scenario).pipe(
 *   Effect.tap((report) => Effect.log(Simulator.formatSummary(report)))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import * as network from "./internal/simulation/network.js"
import * as report from "./internal/simulation/report.js"
import * as interruptible from "./internal/simulation/interruptible.js"
import * as runner from "./internal/simulation/runner.js"
import * as internal from "./internal/simulation/scenario.js"

/**
 * A latency distribution in milliseconds: constant, uniform, normal or
 * log-normal. Drawn from the simulation's seeded generator.
 *
 * @since 0.1.0
 * @category models
 */
export type Distribution = network.Distribution

/**
 * A timing preset from HashiCorp memberlist's defaults.
 *
 * @since 0.1.0
 * @category models
 */
export type Preset = internal.Preset

/**
 * The simulated network: latency per message (plus an optional fixed
 * latency per link), uniform loss, per-node bandwidth and the time an
 * exchange with an unreachable peer takes to fail.
 *
 * @since 0.1.0
 * @category models
 */
export type NetworkSpec = internal.NetworkSpec

/**
 * One timed event of a scenario; `at` is in ms after the scenario starts.
 *
 * @since 0.1.0
 * @category models
 */
export type Action = internal.Action

/**
 * A whole simulation as plain data.
 *
 * @since 0.1.0
 * @category models
 */
export type Scenario = internal.Scenario

/**
 * What a run measured, with the exact replay command and wall-clock figures.
 *
 * @since 0.1.0
 * @category models
 */
export type SimulationReport = runner.SimulationReport

/**
 * The deterministic part of a report: a function of the scenario alone.
 *
 * @since 0.1.0
 * @category models
 */
export type SimulationResult = runner.SimulationResult

/**
 * One sample of the convergence curve.
 *
 * @since 0.1.0
 * @category models
 */
export type CurvePoint = runner.CurvePoint

/**
 * How one failure was detected across the cluster.
 *
 * @since 0.1.0
 * @category models
 */
export type DetectionReport = runner.DetectionReport

/**
 * Traffic per survivor per second while the run's failures were being
 * detected: from the first failure until every up node had seen every
 * failure (`result.detectionTraffic`; docs/detection.md, "What detection
 * traffic buys").
 *
 * @since 0.1.0
 * @category models
 */
export type DetectionTraffic = runner.DetectionTraffic

/**
 * A 1-2 ms LAN without loss, unlimited bandwidth, 1 s stream timeout.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultNetwork: NetworkSpec = internal.defaultNetwork

/**
 * A scenario, with defaults for everything not given: 100 nodes, seed 1,
 * LAN preset, `defaultNetwork`, settle the join first (up to 5 minutes),
 * then 60 s with no actions, sampled about 400 times, sized by the codec.
 *
 * @since 0.1.0
 * @category constructors
 */
export const scenario: (partial?: Partial<Scenario>) => Scenario = internal.makeScenario

/**
 * Crash `count` random nodes (never node-0, the seed).
 *
 * @since 0.1.0
 * @category actions
 */
export const kill = (options: { readonly at: number; readonly count: number }): Action => ({ _tag: "Kill", ...options })

/**
 * `count` random nodes leave gracefully.
 *
 * @since 0.1.0
 * @category actions
 */
export const leave = (options: { readonly at: number; readonly count: number }): Action => ({ _tag: "Leave", ...options })

/**
 * Restart nodes one after another: each is killed, stays down `downtime`
 * ms, restarts with an empty view and rejoins through node-0; the next one
 * goes `every` ms later. `count` 0 restarts every node but the seed.
 *
 * @since 0.1.0
 * @category actions
 */
export const rollingRestart = (options: {
  readonly at: number
  readonly count: number
  readonly every: number
  readonly downtime: number
}): Action => ({ _tag: "RollingRestart", ...options })

/**
 * Cut a random `fraction` of the nodes off from the rest for `duration` ms
 * (0: for good). On heal, with `rejoin` (default true), the cut-off nodes
 * rejoin through node-0, as an operator or Serf's reconnect would.
 *
 * @since 0.1.0
 * @category actions
 */
export const partition = (options: {
  readonly at: number
  readonly fraction: number
  readonly duration: number
  readonly rejoin?: boolean | undefined
}): Action => ({ _tag: "Partition", at: options.at, fraction: options.fraction, duration: options.duration, rejoin: options.rejoin ?? true })

/**
 * `count` random links go down and up again every `period / 2` ms, for `duration` ms.
 *
 * @since 0.1.0
 * @category actions
 */
export const flap = (options: { readonly at: number; readonly count: number; readonly period: number; readonly duration: number }): Action =>
  ({ _tag: "Flap", ...options })

/**
 * Uniform packet loss for `duration` ms (0: to the end).
 *
 * @since 0.1.0
 * @category actions
 */
export const loss = (options: { readonly at: number; readonly loss: number; readonly duration: number }): Action =>
  ({ _tag: "Loss", ...options })

/**
 * `count` random nodes lose `loss` of the packets they send (`egress`) or
 * receive (`ingress`), for `duration` ms (0: to the end).
 *
 * @since 0.1.0
 * @category actions
 */
export const asymmetricLoss = (options: {
  readonly at: number
  readonly count: number
  readonly loss: number
  readonly direction: "egress" | "ingress"
  readonly duration: number
}): Action => ({ _tag: "AsymmetricLoss", ...options })

/**
 * `count` random nodes stall for `duration` ms, as in a long GC pause:
 * their timers and incoming packets wait and are handled late when they
 * resume; nothing is lost. With `order` "timers-first" (the default) the
 * overdue timers fire before the queued packets are read, so a probe whose
 * ack already arrived times out; "as-due" handles everything in due order.
 *
 * @since 0.1.0
 * @category actions
 */
export const pause = (options: {
  readonly at: number
  readonly count: number
  readonly duration: number
  readonly order?: "timers-first" | "as-due" | undefined
}): Action => ({ _tag: "Pause", at: options.at, count: options.count, duration: options.duration, order: options.order ?? "timers-first" })

/**
 * `count` random nodes crash together and, `downtime` ms later, restart
 * under the same names at new addresses (pods back under new IPs) and
 * rejoin through node-0.
 *
 * @since 0.1.0
 * @category actions
 */
export const relocate = (options: { readonly at: number; readonly count: number; readonly downtime: number }): Action =>
  ({ _tag: "Relocate", ...options })

/**
 * `count` more nodes start and join through node-0.
 *
 * @since 0.1.0
 * @category actions
 */
export const join = (options: { readonly at: number; readonly count: number }): Action => ({ _tag: "Join", ...options })

/**
 * Runs a scenario synchronously. Deterministic: the same scenario gives the
 * same `result` (only `wall` differs).
 *
 * @since 0.1.0
 * @category running
 */
export const runSync = (scenario: Scenario): SimulationReport => runner.runScenario(scenario)

/**
 * Runs a scenario in an Effect, on the calling fiber, in slices of a few
 * thousand events with a turn of the event loop between them: interrupting
 * the fiber (SIGTERM or SIGINT under `NodeRuntime.runMain`) stops the run at
 * the next slice. The `result` is the same as `runSync`'s.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (scenario: Scenario): Effect.Effect<SimulationReport> =>
  interruptible.runInterruptibly(scenario).pipe(Effect.withSpan("Simulator.run"))

/**
 * Reads an action in its compact form, e.g. `kill:10@30s`,
 * `partition:0.3@20s+60s`, `pause:1@30s+10s`, `flap:1@10s+2m,period=4s`,
 * `asym:1@10s+1m,loss=0.9,dir=egress`, `rolling:all@10s,every=20s,down=5s`, `pause:1@30s+10s,order=due`,
 * `loss:0.2@0s+5m`, `leave:5@10s`, `join:50@1m`, `relocate:3@30s,down=2s`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseAction = (text: string): Either.Either<Action, string> => {
  const a = internal.parseAction(text)
  return typeof a === "string" ? Either.left(a) : Either.right(a)
}

/**
 * The compact form of an action (`parseAction` reads it back).
 *
 * @since 0.1.0
 * @category parsing
 */
export const formatAction: (action: Action) => string = internal.formatAction

/**
 * Reads a latency distribution: `2ms`, `1..3ms`, `normal:MEAN,SD`, `lognormal:MEDIAN,SIGMA`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDistribution = (text: string): Either.Either<Distribution, string> => {
  const d = network.parseDistribution(text)
  return d === undefined ? Either.left(`cannot read latency "${text}"`) : Either.right(d)
}

/**
 * Reads a duration: `250`, `250ms`, `30s`, `10m`, `1h` (to ms).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDuration = (text: string): Either.Either<number, string> => {
  const d = internal.parseDuration(text)
  return d === undefined ? Either.left(`cannot read duration "${text}"`) : Either.right(d)
}

/**
 * Reads a core setting override for `Scenario.overrides`: `key=value`, e.g.
 * `retransmitMult=2`, `probeTimeout=500ms`, `coverageFloor=false`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseOverride = (
  text: string
): Either.Either<readonly [key: keyof Scenario["overrides"], value: number | boolean], string> => {
  const kv = internal.parseOverride(text)
  return typeof kv === "string" ? Either.left(kv) : Either.right(kv)
}

/**
 * The CLI command that replays a scenario exactly.
 *
 * @since 0.1.0
 * @category rendering
 */
export const replayCommand: (scenario: Scenario, program?: string) => string = internal.replayCommand

/**
 * A text summary of a report (tables), ending with the seed and the replay command.
 *
 * @since 0.1.0
 * @category rendering
 */
export const formatSummary: (report: SimulationReport) => string = report.formatSummary

/**
 * A self-contained HTML page with inline SVG charts: the convergence curve,
 * detection times and traffic.
 *
 * @since 0.1.0
 * @category rendering
 */
export const renderHtml: (report: SimulationReport) => string = report.renderHtml
