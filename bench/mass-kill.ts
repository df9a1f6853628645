/**
 * Detection when many members fail at once, and accuracy under loss, over
 * many seeds (docs/protocol.md, "Many members failing at once").
 *
 *   npx tsx bench/mass-kill.ts kill 100 1-40   # 10% of 100 killed 10 s after the join settled
 *   npx tsx bench/mass-kill.ts loss 50 1-20 tcpPingFallback=false   # 10% loss, 10 minutes
 *
 * kill: per seed, the last victim's first suspicion, when the last survivor
 * saw the last victim dead, and the stream (TCP fallback) pings in the 30 s
 * after the kill; then median / p90 / max. loss: false suspicions (events /
 * raised by a prober) and false deaths, summed over the seeds. Trailing
 * key=value arguments override core settings, as `simulate --set` does.
 */
import { runScenario } from "../src/internal/simulation/runner.js"
import { defaultNetwork, makeScenario, parseOverride } from "../src/internal/simulation/scenario.js"
import { SimulatedNetwork } from "../src/internal/simulation/simNetwork.js"

const [mode, nodesText = "100", seedsText = "1-10", ...sets] = process.argv.slice(2)
if (mode !== "kill" && mode !== "loss") {
  console.error("usage: npx tsx bench/mass-kill.ts kill|loss NODES FIRST-LAST [key=value...]")
  process.exit(2)
}
const nodes = Number(nodesText)
const [first, last] = seedsText.split("-").map(Number) as [number, number | undefined]
const seeds = Array.from({ length: (last ?? first) - first + 1 }, (_, i) => first + i)
const overrides: Record<string, number | boolean> = {}
for (const text of sets) {
  const kv = parseOverride(text)
  if (typeof kv === "string") throw new Error(kv)
  overrides[kv[0]] = kv[1]
}

// Stream pings, timed: counted where the simulated network starts them.
const streamPings: Array<number> = []
const network = SimulatedNetwork.prototype as unknown as Record<string, unknown>
const startStreamPing = network.startStreamPing as ((this: { now(): number }, ...args: Array<unknown>) => void) | undefined
if (typeof startStreamPing === "function") {
  network.startStreamPing = function(this: { options: { now(): number } }, ...args: Array<unknown>) {
    streamPings.push(this.options.now())
    return startStreamPing.apply(this as never, args)
  }
}

const sec = (ms: number) => (ms === Infinity ? "never" : (ms / 1000).toFixed(2))
const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.min(v.length - 1, Math.floor(q * v.length))] as number
}
const spread = (xs: ReadonlyArray<number>, f: (x: number) => string) =>
  `${f(quantile(xs, 0.5))} / ${f(quantile(xs, 0.9))} / ${f(Math.max(...xs))}`

if (mode === "kill") {
  const rows: Array<{ firstSuspicion: number; lastDead: number; streamPings: number }> = []
  for (const seed of seeds) {
    streamPings.length = 0
    const count = Math.max(1, Math.round(nodes / 10))
    const { result } = runScenario(makeScenario({
      nodes,
      seed,
      duration: 40_000,
      overrides,
      actions: [{ _tag: "Kill", at: 10_000, count }]
    }))
    const killAt = result.scenarioStart + 10_000
    const row = {
      firstSuspicion: Math.max(...result.detections.map((d) => d.firstSuspicion ?? Infinity)),
      lastDead: Math.max(...result.detections.map((d) => d.last ?? Infinity)),
      streamPings: streamPings.filter((t) => t >= killAt && t < killAt + 30_000).length
    }
    rows.push(row)
    console.log(
      `seed ${seed}: worst first suspicion ${sec(row.firstSuspicion)} s, last dead ${sec(row.lastDead)} s, ` +
        `stream pings ${row.streamPings}`
    )
  }
  console.log(`${nodes} members, ${Math.max(1, Math.round(nodes / 10))} killed, seeds ${seedsText} (median / p90 / max):`)
  console.log(`  worst first suspicion (s)  ${spread(rows.map((r) => r.firstSuspicion), sec)}`)
  console.log(`  last dead (s)              ${spread(rows.map((r) => r.lastDead), sec)}`)
  console.log(`  stream pings in 30 s       ${spread(rows.map((r) => r.streamPings), String)}`)
} else {
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
    sum.events += a.falseSuspicions
    sum.raised += a.falseSuspicionOrigins
    sum.deaths += a.falseDeaths
    sum.declared += a.falseDeathOrigins
    console.log(`seed ${seed}: false suspicions ${a.falseSuspicions} / ${a.falseSuspicionOrigins}, false deaths ${a.falseDeaths}`)
  }
  console.log(`${nodes} members, 10% loss, 10 minutes, seeds ${seedsText}:`)
  console.log(`  false suspicions ${sum.events} events / ${sum.raised} raised; false deaths ${sum.deaths} / ${sum.declared} declared`)
}
