/**
 * Detection when many members fail at once, and accuracy under loss, over
 * many seeds (docs/detection.md; the runs are in massKill.ts).
 *
 *   npx tsx bench/mass-kill.ts kill 100 1-40   # 10% of 100 killed 10 s after the join settled
 *   npx tsx bench/mass-kill.ts kill 100 1-40 alignedProbing=true   # aligned probing (docs/detection.md)
 *   npx tsx bench/mass-kill.ts loss 50 1-20 tcpPingFallback=false   # 10% loss, 10 minutes
 *
 * Trailing key=value arguments override core settings, as `simulate --set` does.
 */
import { parseOverride } from "../src/internal/simulation/scenario.js"
import { killRows, lossTotals, type Overrides, range, seconds, spread } from "./massKill.js"

const [mode, nodesText = "100", seedsText = "1-10", ...sets] = process.argv.slice(2)
if (mode !== "kill" && mode !== "loss") {
  console.error("usage: npx tsx bench/mass-kill.ts kill|loss NODES FIRST-LAST [key=value...]")
  process.exit(2)
}
const nodes = Number(nodesText)
const seeds = range(seedsText)
const overrides: Overrides = {}
for (const text of sets) {
  const kv = parseOverride(text)
  if (typeof kv === "string") throw new Error(kv)
  overrides[kv[0]] = kv[1]
}

if (mode === "kill") {
  const rows = killRows(nodes, seeds, overrides)
  for (const r of rows) {
    console.log(
      `seed ${r.seed}: worst first suspicion ${seconds(r.firstSuspicion)} s, last dead ${seconds(r.lastDead)} s, ` +
        `stream pings ${r.streamPings}`
    )
  }
  console.log(`${nodes} members, ${Math.max(1, Math.round(nodes / 10))} killed, seeds ${seedsText} (median / p90 / max):`)
  console.log(`  worst first suspicion (s)  ${spread(rows.map((r) => r.firstSuspicion), seconds)}`)
  console.log(`  last dead (s)              ${spread(rows.map((r) => r.lastDead), seconds)}`)
  console.log(`  stream pings in 30 s       ${spread(rows.map((r) => r.streamPings), String)}`)
} else {
  const sum = lossTotals(nodes, seeds, overrides, (seed, a) => {
    console.log(`seed ${seed}: false suspicions ${a.events} / ${a.raised}, false deaths ${a.deaths}`)
  })
  console.log(`${nodes} members, 10% loss, 10 minutes, seeds ${seedsText}:`)
  console.log(`  false suspicions ${sum.events} events / ${sum.raised} raised; false deaths ${sum.deaths} / ${sum.declared} declared`)
}
