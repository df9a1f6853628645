/**
 * Scenarios as plain data: how many nodes, which preset, what network, and
 * a timeline of actions (kills, leaves, restarts, partitions, flapping
 * links, loss, stalls). A scenario is JSON-serialisable and, with its seed,
 * replays exactly. A compact text form (`kill:10@30s`) is what the CLI
 * takes and what the replay command prints.
 *
 * @internal
 */
import type { Timings } from "../swim/config.js"
import { lanTimings, localTimings, wanTimings } from "../swim/config.js"
import { type Distribution, formatDistribution, parseDistribution } from "./network.js"

/** A named set of timings from memberlist's defaults. */
export type Preset = "lan" | "wan" | "local"

/** The timings of a preset. */
export const presetTimings = (preset: Preset): Timings =>
  preset === "wan" ? wanTimings : preset === "local" ? localTimings : lanTimings

/** The simulated network. */
export interface NetworkSpec {
  /** One-way latency, drawn per message. */
  readonly latency: Distribution
  /** A fixed extra latency per directed link, drawn once per link from the seed. */
  readonly linkLatency?: Distribution | undefined
  /** Uniform packet loss in [0, 1], all run long (actions may add more). */
  readonly loss: number
  /** Every node's upload bandwidth in bytes per second; absent: unlimited. */
  readonly bandwidth?: number | undefined
  /** How long a stream exchange with an unreachable peer takes to fail (ms). */
  readonly streamTimeout: number
}

/** Something that happens at `at` ms after the scenario starts (after the join has settled, by default). */
export type Action =
  /** Crash `count` random nodes. */
  | { readonly _tag: "Kill"; readonly at: number; readonly count: number }
  /** `count` random nodes leave gracefully. */
  | { readonly _tag: "Leave"; readonly at: number; readonly count: number }
  /** One node after another (`count`, 0 = all but the seed) is killed, down for `downtime`, restarted and rejoined; the next starts `every` ms later. */
  | { readonly _tag: "RollingRestart"; readonly at: number; readonly count: number; readonly every: number; readonly downtime: number }
  /** A random `fraction` of the nodes is cut off from the rest for `duration` ms (0: for good); on heal, with `rejoin`, the cut-off side rejoins through the seed. */
  | { readonly _tag: "Partition"; readonly at: number; readonly fraction: number; readonly duration: number; readonly rejoin: boolean }
  /** `count` random links go down and up every `period / 2` ms for `duration` ms. */
  | { readonly _tag: "Flap"; readonly at: number; readonly count: number; readonly period: number; readonly duration: number }
  /** Uniform loss `loss` for `duration` ms (0: to the end), then back to the network's. */
  | { readonly _tag: "Loss"; readonly at: number; readonly loss: number; readonly duration: number }
  /** `count` random nodes lose `loss` of what they send (egress) or receive (ingress), for `duration` ms (0: to the end). */
  | {
    readonly _tag: "AsymmetricLoss"
    readonly at: number
    readonly count: number
    readonly loss: number
    readonly direction: "egress" | "ingress"
    readonly duration: number
  }
  /**
   * `count` random nodes stall (a GC pause) for `duration` ms: timers and packets wait, nothing is lost. On
   * resume, `order` "timers-first" fires overdue timers before reading queued packets (as a runtime waking from a
   * pause does); "as-due" handles everything in the order it was due.
   */
  | {
    readonly _tag: "Pause"
    readonly at: number
    readonly count: number
    readonly duration: number
    readonly order: "timers-first" | "as-due"
  }
  /** `count` more nodes (beyond `nodes`) start and join through the seed: a join storm mid-run. */
  | { readonly _tag: "Join"; readonly at: number; readonly count: number }
  /**
   * `count` random nodes crash and, `downtime` ms later, restart under the same name at a new address (a pod
   * back under a new IP) and rejoin through the seed.
   */
  | { readonly _tag: "Relocate"; readonly at: number; readonly count: number; readonly downtime: number }

/** A whole simulation, as data. */
export interface Scenario {
  readonly nodes: number
  readonly seed: number
  readonly preset: Preset
  /** Core timing overrides on top of the preset. */
  readonly overrides: Partial<Timings>
  readonly network: NetworkSpec
  /**
   * true: start every node at once joining through node-0 (a join storm),
   * wait until every node has the full view (at most `settleLimit` ms), and
   * only then start the actions' clock and the accuracy and traffic counts.
   * false: the actions' clock starts at 0, with the join.
   */
  readonly settle: boolean
  readonly settleLimit: number
  /**
   * true: no join storm; every node starts at t=0 with every other already
   * alive in its view, as after a converged join (the "converged start"),
   * to measure a large cluster's steady state and detection without the
   * N^2 storm before it. The report says so; its join figures are then 0.
   * Absent or false: the join storm.
   */
  readonly convergedStart?: boolean | undefined
  /** How long to run after the scenario starts (ms). */
  readonly duration: number
  readonly actions: ReadonlyArray<Action>
  /** How often the convergence curve is sampled (ms); 0 picks about 400 samples. */
  readonly sampleEvery: number
  /** "codec": the wire codec's exact sizes; "estimate": the core's upper bound. */
  readonly sizer: "codec" | "estimate"
}

/** A LAN of 1-2 ms without loss. */
export const defaultNetwork: NetworkSpec = {
  latency: { _tag: "Uniform", min: 1, max: 2 },
  loss: 0,
  streamTimeout: 1000
}

/** A scenario with defaults for everything not given. */
export const makeScenario = (partial: Partial<Scenario> = {}): Scenario => ({
  nodes: 100,
  seed: 1,
  preset: "lan",
  overrides: {},
  network: defaultNetwork,
  settle: true,
  settleLimit: 300_000,
  duration: 60_000,
  actions: [],
  sampleEvery: 0,
  sizer: "codec",
  ...partial
})

// ---------------------------------------------------------------- durations

/** Parses `250`, `250ms`, `30s`, `10m`, `1h` to ms. */
export const parseDuration = (text: string): number | undefined => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (m === null) return undefined
  const v = Number(m[1])
  const unit = m[2] ?? "ms"
  return v * (unit === "h" ? 3_600_000 : unit === "m" ? 60_000 : unit === "s" ? 1000 : 1)
}

/** Renders ms as the shortest exact `parseDuration` form. */
export const formatDuration = (ms: number): string => {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

// ---------------------------------------------------------------- compact actions

/**
 * The compact form: `KIND[:ARG][@AT][+DURATION][,key=value...]`.
 *
 * - `kill:10@30s` - kill 10 nodes 30 s in
 * - `leave:5@10s`
 * - `rolling:10@10s,every=20s,down=5s` - rolling restart of 10 nodes (`rolling` alone: all)
 * - `partition:0.3@20s+60s` - 30% cut off for 60 s, then healed (`,rejoin=false` to not rejoin)
 * - `flap:1@10s+2m,period=4s` - one link down/up every 2 s for 2 minutes
 * - `loss:0.2@0s+5m` - 20% loss for 5 minutes
 * - `asym:1@10s+1m,loss=0.9,dir=egress` - one node loses 90% of what it sends
 * - `pause:1@30s+10s` - one node stalls 10 s (`,order=due`: on resume, handle timers and packets as due)
 * - `join:50@1m` - 50 more nodes join 1 minute in
 * - `relocate:3@30s,down=2s` - 3 nodes crash and come back 2 s later at new addresses
 */
export const parseAction = (text: string): Action | string => {
  const m = /^([a-z]+)(?::([^@+,]+))?(?:@([^+,]+))?(?:\+([^,]+))?((?:,[a-z]+=[^,]+)*)$/.exec(text.trim().toLowerCase())
  if (m === null) return `cannot read action "${text}" (KIND[:ARG][@AT][+DURATION][,key=value...])`
  const [, kind, arg, atText, durText, kvText] = m
  const at = atText === undefined ? 10_000 : parseDuration(atText)
  if (at === undefined) return `bad time "${atText}" in "${text}"`
  const duration = durText === undefined ? undefined : parseDuration(durText)
  if (durText !== undefined && duration === undefined) return `bad duration "${durText}" in "${text}"`
  const kv = new Map<string, string>()
  for (const part of (kvText ?? "").split(",").filter((p) => p.length > 0)) {
    const [k, v] = part.split("=")
    if (k !== undefined && v !== undefined) kv.set(k, v)
  }
  const int = (s: string | undefined, dflt: number): number | undefined => {
    if (s === undefined) return dflt
    const v = Number(s)
    return Number.isInteger(v) && v >= 0 ? v : undefined
  }
  const frac = (s: string | undefined, dflt: number): number | undefined => {
    if (s === undefined) return dflt
    const v = Number(s)
    return Number.isFinite(v) && v >= 0 && v <= 1 ? v : undefined
  }
  const dur = (key: string, dflt: number): number | undefined => {
    const s = kv.get(key)
    return s === undefined ? dflt : parseDuration(s)
  }
  const bad = (what: string) => `bad ${what} in "${text}"`
  switch (kind) {
    case "kill":
    case "leave":
    case "join": {
      const count = int(arg, 1)
      if (count === undefined || count < 1) return bad("count")
      return { _tag: kind === "kill" ? "Kill" : kind === "leave" ? "Leave" : "Join", at, count }
    }
    case "rolling": {
      const count = arg === undefined || arg === "all" ? 0 : int(arg, 0)
      const every = dur("every", 15_000)
      const downtime = dur("down", 5_000)
      if (count === undefined) return bad("count")
      if (every === undefined || downtime === undefined) return bad("every/down")
      return { _tag: "RollingRestart", at, count, every, downtime }
    }
    case "partition": {
      const fraction = frac(arg, 0.5)
      if (fraction === undefined || fraction <= 0 || fraction >= 1) return bad("fraction (0..1)")
      const rejoin = kv.get("rejoin") !== "false"
      return { _tag: "Partition", at, fraction, duration: duration ?? 60_000, rejoin }
    }
    case "flap": {
      const count = int(arg, 1)
      const period = dur("period", 4_000)
      if (count === undefined || count < 1) return bad("count")
      if (period === undefined || period <= 0) return bad("period")
      return { _tag: "Flap", at, count, period, duration: duration ?? 60_000 }
    }
    case "loss": {
      const loss = frac(arg, 0.1)
      if (loss === undefined) return bad("loss (0..1)")
      return { _tag: "Loss", at, loss, duration: duration ?? 0 }
    }
    case "asym": {
      const count = int(arg, 1)
      const loss = frac(kv.get("loss"), 0.5)
      const direction = kv.get("dir") ?? "egress"
      if (count === undefined || count < 1) return bad("count")
      if (loss === undefined) return bad("loss (0..1)")
      if (direction !== "egress" && direction !== "ingress") return bad("dir (egress|ingress)")
      return { _tag: "AsymmetricLoss", at, count, loss, direction, duration: duration ?? 0 }
    }
    case "relocate": {
      const count = int(arg, 1)
      const downtime = dur("down", 2_000)
      if (count === undefined || count < 1) return bad("count")
      if (downtime === undefined) return bad("down")
      return { _tag: "Relocate", at, count, downtime }
    }
    case "pause": {
      const count = int(arg, 1)
      if (count === undefined || count < 1) return bad("count")
      const order = kv.get("order") ?? "timers"
      if (order !== "timers" && order !== "due") return bad("order (timers|due)")
      return { _tag: "Pause", at, count, duration: duration ?? 10_000, order: order === "due" ? "as-due" : "timers-first" }
    }
    default:
      return `unknown action "${kind}" (kill, leave, rolling, partition, flap, loss, asym, pause, join, relocate)`
  }
}

/** The compact form of an action; `parseAction(formatAction(a))` gives `a` back. */
export const formatAction = (a: Action): string => {
  const at = `@${formatDuration(a.at)}`
  switch (a._tag) {
    case "Kill":
      return `kill:${a.count}${at}`
    case "Leave":
      return `leave:${a.count}${at}`
    case "Join":
      return `join:${a.count}${at}`
    case "RollingRestart":
      return `rolling:${a.count === 0 ? "all" : a.count}${at},every=${formatDuration(a.every)},down=${formatDuration(a.downtime)}`
    case "Partition":
      return `partition:${a.fraction}${at}+${formatDuration(a.duration)}${a.rejoin ? "" : ",rejoin=false"}`
    case "Flap":
      return `flap:${a.count}${at}+${formatDuration(a.duration)},period=${formatDuration(a.period)}`
    case "Loss":
      return `loss:${a.loss}${at}+${formatDuration(a.duration)}`
    case "AsymmetricLoss":
      return `asym:${a.count}${at}+${formatDuration(a.duration)},loss=${a.loss},dir=${a.direction}`
    case "Pause":
      return `pause:${a.count}${at}+${formatDuration(a.duration)}${a.order === "as-due" ? ",order=due" : ""}`
    case "Relocate":
      return `relocate:${a.count}${at},down=${formatDuration(a.downtime)}`
  }
}

/** A shell-safe rendering of one argument. */
const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** The exact CLI command that replays `scenario`. */
export const replayCommand = (scenario: Scenario, program = "effect-memberlist simulate"): string => {
  const args: Array<string> = [
    "--nodes", String(scenario.nodes),
    "--seed", String(scenario.seed),
    "--preset", scenario.preset,
    "--duration", formatDuration(scenario.duration),
    "--latency", formatDistribution(scenario.network.latency),
    "--loss", String(scenario.network.loss)
  ]
  if (scenario.network.linkLatency !== undefined) args.push("--link-latency", formatDistribution(scenario.network.linkLatency))
  if (scenario.network.bandwidth !== undefined) args.push("--bandwidth", String(scenario.network.bandwidth))
  if (scenario.network.streamTimeout !== defaultNetwork.streamTimeout) {
    args.push("--stream-timeout", formatDuration(scenario.network.streamTimeout))
  }
  if (!scenario.settle) args.push("--no-settle")
  if (scenario.convergedStart === true) args.push("--converged-start")
  if (scenario.sizer !== "codec") args.push("--sizer", scenario.sizer)
  if (scenario.sampleEvery !== 0) args.push("--sample-every", formatDuration(scenario.sampleEvery))
  for (const a of scenario.actions) args.push("--scenario", formatAction(a))
  for (const [k, v] of Object.entries(scenario.overrides)) args.push("--set", `${k}=${String(v)}`)
  return `${program} ${args.map(shellQuote).join(" ")}`
}

/** Parses a `--set key=value` core override; numbers and booleans only. */
export const parseOverride = (text: string): readonly [keyof Timings, number | boolean] | string => {
  const eq = text.indexOf("=")
  if (eq <= 0) return `override "${text}" is not key=value`
  const key = text.slice(0, eq) as keyof Timings
  const raw = text.slice(eq + 1)
  if (!(key in lanTimings)) return `unknown core setting "${key}" (one of: ${Object.keys(lanTimings).join(", ")})`
  const current = lanTimings[key]
  if (typeof current === "boolean") {
    if (raw !== "true" && raw !== "false") return `${key} takes true or false`
    return [key, raw === "true"]
  }
  const v = typeof current === "number" && /[a-z]$/.test(raw) ? parseDuration(raw) : Number(raw)
  if (v === undefined || !Number.isFinite(v)) return `${key} takes a number`
  return [key, v]
}

export { formatDistribution, parseDistribution }
