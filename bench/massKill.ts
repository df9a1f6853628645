/**
 * Many members failing at once, over many seeds (docs/detection.md): the
 * runs behind `bench/mass-kill.ts` and the `mass-kill` section of
 * `npm run bench`.
 *
 * kill: 10% of the members killed 10 s after the join settled; per seed,
 * the last victim's first suspicion, when the last survivor saw the last
 * victim dead, and the stream (TCP fallback) pings in the 30 s after the
 * kill. loss: 10% packet loss for 10 minutes; false suspicions (events /
 * raised by a prober) and false deaths, summed over the seeds.
 */
import { runScenario } from "../src/internal/simulation/runner.js"
import { defaultNetwork, makeScenario } from "../src/internal/simulation/scenario.js"
import { SimulatedNetwork } from "../src/internal/simulation/simNetwork.js"

/** Core settings to override, as `simulate --set` takes them. */
export type Overrides = Record<string, number | boolean>

export interface KillRow {
  readonly seed: number
  readonly firstSuspicion: number
  readonly lastDead: number
  readonly streamPings: number
}

export interface LossTotals {
  readonly events: number
  readonly raised: number
  readonly deaths: number
  readonly declared: number
}

// Stream pings, timed: counted where the simulated network starts them (patched in once).
const streamPings: Array<number> = []
let counting = false
const countStreamPings = (): void => {
  if (counting) return
  counting = true
  const network = SimulatedNetwork.prototype as unknown as Record<string, unknown>
  const start = network.startStreamPing as ((this: unknown, ...args: Array<unknown>) => void) | undefined
  if (typeof start !== "function") return
  network.startStreamPing = function(this: { options: { now(): number } }, ...args: Array<unknown>) {
    streamPings.push(this.options.now())
    return start.apply(this, args)
  }
}

/** One kill run per seed: 10% of `nodes` killed at once. */
export const killRows = (nodes: number, seeds: ReadonlyArray<number>, overrides: Overrides): Array<KillRow> => {
  countStreamPings()
  return seeds.map((seed) => {
    streamPings.length = 0
    const { result } = runScenario(makeScenario({
      nodes,
      seed,
      duration: 40_000,
      overrides,
      actions: [{ _tag: "Kill", at: 10_000, count: Math.max(1, Math.round(nodes / 10)) }]
    }))
    const killAt = result.scenarioStart + 10_000
    return {
      seed,
      firstSuspicion: Math.max(...result.detections.map((d) => d.firstSuspicion ?? Infinity)),
      lastDead: Math.max(...result.detections.map((d) => d.last ?? Infinity)),
      streamPings: streamPings.filter((t) => t >= killAt && t < killAt + 30_000).length
    }
  })
}

/** 10% loss for 10 minutes per seed, summed. */
export const lossTotals = (
  nodes: number,
  seeds: ReadonlyArray<number>,
  overrides: Overrides,
  each?: (seed: number, totals: LossTotals) => void
): LossTotals => {
  const sum = { events: 0, raised: 0, deaths: 0, declared: 0 }
  for (const seed of seeds) {
    const { result } = runScenario(makeScenario({
      nodes,
      seed,
      duration: 600_000,
      overrides,
      network: { ...defaultNetwork, loss: 0.1 }
    }))
    const a = result.accuracy
    const one = { events: a.falseSuspicions, raised: a.falseSuspicionOrigins, deaths: a.falseDeaths, declared: a.falseDeathOrigins }
    each?.(seed, one)
    sum.events += one.events
    sum.raised += one.raised
    sum.deaths += one.deaths
    sum.declared += one.declared
  }
  return sum
}

export const seconds = (ms: number): string => (ms === Infinity ? "never" : (ms / 1000).toFixed(2))

const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.min(v.length - 1, Math.floor(q * v.length))] as number
}

/** median / p90 / max. */
export const spread = (xs: ReadonlyArray<number>, f: (x: number) => string): string =>
  `${f(quantile(xs, 0.5))} / ${f(quantile(xs, 0.9))} / ${f(Math.max(...xs))}`

export const range = (text: string): Array<number> => {
  const [first, last] = text.split("-").map(Number) as [number, number | undefined]
  return Array.from({ length: (last ?? first) - first + 1 }, (_, i) => first + i)
}

const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(" | ")} |`

const schedules: ReadonlyArray<readonly [string, boolean]> = [["shuffled (memberlist's)", false], ["aligned", true]]

/** The bench section: both probe schedules, side by side. */
export const section = (log: (message: string) => void): string => {
  const killSeeds = range("1-40")
  const lossSeeds = range("1-12")
  const lines = [
    "Command: `npm run bench -- --only mass-kill` (one seed: `npx tsx bench/mass-kill.ts kill 100 7-7 alignedProbing=true`).",
    "Simulator, LAN preset, 1–2 ms latency. *kill*: 10% of the members killed at once 10 s after the join settled, seeds",
    `${killSeeds[0]}–${killSeeds.at(-1)}; per seed the worst victim's first suspicion, when the last survivor saw the last`,
    "victim dead, and the stream (TCP fallback) pings in the 30 s after; median / p90 / max over the seeds. *loss*: 50",
    `members, 10% packet loss for 10 minutes, no TCP fallback, seeds ${lossSeeds[0]}–${lossSeeds.at(-1)} summed. The`,
    "min suspicion timeout (4 × log10 N s) is the floor of *last dead*: 6.8 s at 50, 8 s at 100. See docs/detection.md.",
    "",
    row(["members", "probe schedule", "worst first suspicion (s)", "last dead (s)", "stream pings in 30 s"]),
    row(["---:", "---", "---:", "---:", "---:"])
  ]
  for (const nodes of [50, 100]) {
    for (const [name, alignedProbing] of schedules) {
      log(`mass-kill: ${nodes} members, ${name}`)
      const rows = killRows(nodes, killSeeds, { alignedProbing })
      lines.push(row([
        nodes,
        name,
        spread(rows.map((r) => r.firstSuspicion), seconds),
        spread(rows.map((r) => r.lastDead), seconds),
        spread(rows.map((r) => r.streamPings), String)
      ]))
    }
  }
  lines.push("", row(["probe schedule", "false suspicions (events / raised by a prober)", "false deaths"]), row(["---", "---:", "---:"]))
  for (const [name, alignedProbing] of schedules) {
    log(`mass-kill: loss, ${name}`)
    const t = lossTotals(50, lossSeeds, { alignedProbing, tcpPingFallback: false })
    lines.push(row([name, `${t.events} / ${t.raised}`, `${t.deaths} / ${t.declared}`]))
  }
  return lines.join("\n")
}
