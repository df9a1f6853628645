/**
 * What detection traffic buys (docs/detection.md): the simulator's bytes
 * and packets per survivor per second while 10% of the members are being
 * detected, the time until the last survivor saw the last victim dead, and
 * false suspicions and deaths at 10% loss with nobody down, for each
 * combination of our three additions to memberlist's detection traffic.
 *
 *   npx tsx bench/detection-traffic.ts kill lan 100 1-5     # one table row per combination
 *   npx tsx bench/detection-traffic.ts loss lan 25 1-10
 *
 * kill: 10% killed 10 s after the join settled, 40 s run. loss: 10% packet
 * loss from the start, 60 s measured after the join settled.
 */
import { runScenario } from "../src/internal/simulation/runner.js"
import { defaultNetwork, makeScenario } from "../src/internal/simulation/scenario.js"
import type { Preset } from "../src/internal/simulation/scenario.js"
import { range } from "./massKill.js"

/** The combinations shown: all on (the default), each addition off alone, all off (memberlist's traffic). */
export const combinations: ReadonlyArray<readonly [string, Record<string, boolean>]> = [
  ["all on (default)", {}],
  ["verifySuspects off", { verifySuspects: false }],
  ["repeatDirectPing off", { repeatDirectPing: false }],
  ["coverageFloor off", { coverageFloor: false }],
  ["all three off", { verifySuspects: false, repeatDirectPing: false, coverageFloor: false }],
  ["all three off, shuffled probing (memberlist's way)", {
    verifySuspects: false,
    repeatDirectPing: false,
    coverageFloor: false,
    alignedProbing: false
  }]
]

const median = (xs: ReadonlyArray<number>): number => {
  const v = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(v.length / 2)
  return v.length % 2 === 1 ? v[mid] as number : ((v[mid - 1] as number) + (v[mid] as number)) / 2
}

/** median (min-max). */
const spread = (xs: ReadonlyArray<number>, digits: number): string =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`

const killRow = (preset: Preset, nodes: number, seeds: ReadonlyArray<number>, overrides: Record<string, boolean>) => {
  const runs = seeds.map((seed) => {
    const { result } = runScenario(makeScenario({
      nodes,
      seed,
      preset,
      duration: 40_000,
      sampleEvery: 100,
      overrides,
      actions: [{ _tag: "Kill", at: 10_000, count: Math.max(1, Math.round(nodes / 10)) }]
    }))
    const d = result.detectionTraffic
    if (d === undefined) throw new Error(`seed ${seed}: no detection window`)
    // An incomplete window (some survivor never saw some victim dead in the run) counts as a tail: its last is Infinity.
    return {
      bytes: d.bytesPerNodeSecond,
      // The rate times the window: a faster detection ends its window sooner, at a higher rate for the same bytes.
      kib: (d.bytesPerNodeSecond * d.ms) / 1000 / 1024,
      packets: d.packetsPerNodeSecond,
      lastDead: Math.max(...result.detections.map((x) => x.last ?? Infinity))
    }
  })
  const lastDead = runs.map((r) => r.lastDead / 1000)
  // A tail: the last survivor far behind the typical run, as when it missed every copy of a suspicion and a
  // death and waited for a push/pull. Twice the median run of the same row.
  const tails = lastDead.filter((s) => s > 2 * median(lastDead)).length
  return [
    spread(runs.map((r) => r.bytes), 0),
    spread(runs.map((r) => r.kib), 1),
    spread(runs.map((r) => r.packets), 2),
    spread(lastDead, 2),
    `${tails} of ${runs.length}`
  ]
}

const lossRow = (preset: Preset, nodes: number, seeds: ReadonlyArray<number>, overrides: Record<string, boolean>) => {
  const runs = seeds.map((seed) => {
    const { result } = runScenario(makeScenario({
      nodes,
      seed,
      preset,
      duration: 60_000,
      overrides,
      network: { ...defaultNetwork, loss: 0.1 }
    }))
    return { ...result.accuracy, bytes: result.traffic.bytesPerNodeSecond }
  })
  const sum = (f: (r: (typeof runs)[number]) => number) => runs.reduce((s, r) => s + f(r), 0)
  return [
    `${sum((r) => r.falseSuspicions)} / ${sum((r) => r.falseSuspicionOrigins)}`,
    `${sum((r) => r.falseDeaths)} / ${sum((r) => r.falseDeathOrigins)}`,
    spread(runs.map((r) => r.bytes), 0)
  ]
}

const [mode, preset = "lan", nodesText = "100", seedsText = "1-5"] = process.argv.slice(2)
if ((mode !== "kill" && mode !== "loss") || (preset !== "lan" && preset !== "local")) {
  console.error("usage: npx tsx bench/detection-traffic.ts kill|loss lan|local NODES FIRST-LAST")
  process.exit(2)
}
const nodes = Number(nodesText)
const seeds = range(seedsText)
console.log(`${mode}, ${preset}, ${nodes} members, seeds ${seedsText}`)
console.log(
  mode === "kill"
    ? "| combination | bytes/survivor/s detecting | KiB/survivor, whole detection | packets/survivor/s detecting | last survivor sees all dead (s) | seeds with a tail (over 2x the median) |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    : "| combination | false suspicions (events / raised) | false deaths (events / declared) | bytes/member/s |\n| --- | ---: | ---: | ---: |"
)
for (const [name, overrides] of combinations) {
  const cells = mode === "kill" ? killRow(preset, nodes, seeds, overrides) : lossRow(preset, nodes, seeds, overrides)
  console.log(`| ${name} | ${cells.join(" | ")} |`)
}
