/**
 * The benchmarks: `npm run bench` runs every section and rewrites
 * `docs/benchmarks.md`; `npm run bench -- --only sim-speed,accuracy` runs
 * some. Each section lives between `<!-- bench:NAME -->` and
 * `<!-- /bench:NAME -->` in the file, so a section that did not run keeps
 * its previous text. Big simulations run in a child process each, so their
 * peak memory (max RSS) is their own.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { makeScenario, type Scenario } from "../src/internal/simulation/scenario.js"
import type { SimulationResult } from "../src/internal/simulation/runner.js"
import * as MassKill from "./massKill.js"
import * as VsMemberlist from "./vsMemberlist.js"

const docPath = "docs/benchmarks.md"

interface ChildOutput {
  readonly result: Omit<SimulationResult, "curve">
  readonly command: string
  readonly wall: { readonly ms: number; readonly virtualMs: number; readonly nodeSecondsPerSecond: number; readonly peakRssBytes: number }
}

const cache = new Map<string, ChildOutput>()

/** Runs a scenario in a fresh Node process (once per scenario per bench run). */
const runChild = (scenario: Scenario): ChildOutput => {
  const key = JSON.stringify(scenario)
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const result = runChildUncached(scenario)
  cache.set(key, result)
  return result
}

/** Heap limit of a simulation child (MiB): the default (about 4 GiB) is too small beyond 2,000 nodes; 8 GiB is the target. */
const childHeapMiB = 7680

const runChildUncached = (scenario: Scenario): ChildOutput => {
  const flags = scenario.nodes > 2000 ? [`--max-old-space-size=${childHeapMiB}`] : []
  const out = spawnSync(process.execPath, [...flags, "--import", "tsx", "bench/sim-child.ts", JSON.stringify(scenario)], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20
  })
  if (out.status !== 0) throw new Error(`simulation child failed: ${out.stderr}`)
  const line = out.stdout.trim().split("\n").pop() ?? ""
  return JSON.parse(line) as ChildOutput
}

const s = (ms: number | undefined): string => (ms === undefined ? "never" : (ms / 1000).toFixed(2))
const median = (xs: ReadonlyArray<number>) => {
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.floor((v.length - 1) / 2)] ?? NaN
}
const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(" | ")} |`
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`)

const cmd = (only: string) => `npm run bench -- --only ${only}`

// ---------------------------------------------------------------- sections

interface Section {
  readonly name: string
  readonly title: string
  /**
   * `previous`: the section's text in the current file, if any. A section
   * without `run` is recorded by another command (named in its text) and
   * kept as it is.
   */
  readonly run?: ((previous: string | undefined) => string) | undefined
}

/** A section measured by another command (a test suite, a long side-by-side run): kept as written. */
const recorded = (name: string, title: string): Section => ({ name, title })

/** The value after `flag` on the command line, if any. */
const argAfter = (flag: string): string | undefined => {
  const i = process.argv.indexOf(flag)
  return i >= 0 ? process.argv[i + 1] : undefined
}

/**
 * Extra sizes for sim-speed beyond the usual ones (`--sim-sizes 5000,10000`),
 * run for `--sim-minutes` virtual minutes after the join (10 unless told).
 */
const extraSimSizes = (): ReadonlyArray<number> =>
  (argAfter("--sim-sizes") ?? "").split(",").filter((x) => x.length > 0).map((x) => {
    const n = Number(x)
    if (!Number.isInteger(n) || n < 2) throw new Error(`--sim-sizes: not a node count: ${x}`)
    return n
  })
const extraSimMinutes = (): number => Number(argAfter("--sim-minutes") ?? "10")

/** The big runs, shared by sim-speed and scaling: 2,000 nodes for 3 minutes only, to keep the bench short. */
const bigRun = (nodes: number, minutes = nodes >= 2000 ? 3 : 10): Scenario =>
  makeScenario({ nodes, seed: 7, duration: minutes * 60_000, actions: [{ _tag: "Kill", at: 30_000, count: 1 }] })

const simSpeed: Section = {
  name: "sim-speed",
  title: "Simulator speed",
  run: () => {
    const sizes = [100, 1000, 2000]
    const extra = extraSimSizes()
    const lines = [
      `Command: \`${cmd("sim-speed")}\`. Each size runs in its own process: every node joins through node-0 at t=0 (a join`,
      "storm), the join settles, then 10 virtual minutes more (3 at 2,000 nodes, to keep the bench short) with the LAN",
      "preset, 1–2 ms latency, no loss, and one kill 30 s in. *Node-seconds per second* is simulated node-time (nodes up ×",
      "virtual time, the join storm included) over wall time. The machine is shared: wall times are noisy.",
      "Target (issue 5): 1,000 nodes × 10 virtual minutes in under a minute of wall time on 2 cores; 2,000 nodes within 4 GiB.",
      "Bigger sizes run when asked (`--sim-sizes 5000,10000 --sim-minutes 10`), with an 8 GiB heap limit; issue 13's target is",
      "10,000 nodes × 10 virtual minutes in under 10 minutes of wall time and 8 GiB.",
      "",
      row(["nodes", "virtual time (s)", "join storm settled (s)", "wall (s)", "node-seconds / s", "peak RSS (MiB)", "replay"]),
      row(["---:", "---:", "---:", "---:", "---:", "---:", "---"])
    ]
    const runs = [...sizes.map((nodes) => bigRun(nodes)), ...extra.map((nodes) => bigRun(nodes, extraSimMinutes()))]
    for (const run of runs) {
      const nodes = run.nodes
      log(`sim-speed: ${nodes} nodes, ${run.duration / 60_000} virtual minutes`)
      const out = runChild(run)
      lines.push(row([
        nodes,
        (out.wall.virtualMs / 1000).toFixed(0),
        s(out.result.join.worstNode),
        (out.wall.ms / 1000).toFixed(1),
        out.wall.nodeSecondsPerSecond.toFixed(0),
        (out.wall.peakRssBytes / 2 ** 20).toFixed(0),
        `\`${out.command}\``
      ]))
    }
    return lines.join("\n")
  }
}

/** Issue 13's simulator target: N nodes from a converged start, 10 virtual minutes, one kill 30 s in. */
const convergedRun = (nodes: number): Scenario =>
  makeScenario({
    nodes,
    seed: 7,
    duration: 10 * 60_000,
    convergedStart: true,
    actions: [{ _tag: "Kill", at: 30_000, count: 1 }]
  })

const simScale: Section = {
  name: "sim-scale",
  title: "Simulator at 10,000 members (converged start)",
  run: () => {
    const lines = [
      `Command: \`${cmd("sim-scale")}\` (about 12 minutes). Each size runs in its own process with a 7.5 GiB heap limit: every`,
      "node starts with every other alive in its view (`--converged-start`: no N² join storm), then 10 virtual minutes",
      "with the LAN preset, 1–2 ms latency, no loss, and one kill 30 s in. Target (issue 13): 10,000 members × 10",
      "virtual minutes in under 10 minutes of wall time and 8 GiB on this machine, convergence and detection measured.",
      "*Correct views at the end*: the fraction of up nodes whose view is entirely correct.",
      "",
      row(["nodes", "wall (s)", "peak RSS (MiB)", "node-seconds / s", "kill: first suspicion (s)", "kill: first dead (s)", "kill: last dead (s)", "false suspicions / deaths", "correct views at the end", "replay"]),
      row(["---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"])
    ]
    for (const nodes of [5000, 10000]) {
      log(`sim-scale: ${nodes} nodes, converged start, 10 virtual minutes`)
      const out = runChild(convergedRun(nodes))
      const kill = out.result.detections[0]
      lines.push(row([
        nodes,
        (out.wall.ms / 1000).toFixed(1),
        (out.wall.peakRssBytes / 2 ** 20).toFixed(0),
        out.wall.nodeSecondsPerSecond.toFixed(0),
        s(kill?.firstSuspicion),
        s(kill?.first),
        s(kill?.last),
        `${out.result.accuracy.falseSuspicions} / ${out.result.accuracy.falseDeaths}`,
        out.result.finalConverged.toFixed(3),
        `\`${out.command}\``
      ]))
    }
    return lines.join("\n")
  }
}

const scaling: Section = {
  name: "scaling",
  title: "Scaling: convergence and detection against N",
  run: () => {
    const sizes = [10, 100, 1000, 2000]
    const lines = [
      `Command: \`${cmd("scaling")}\`. LAN preset, 1–2 ms latency, no loss. A join storm (every node joins through`,
      "node-0 at t=0); *median node* and *worst node* are when the median and the last node first had the full, correct",
      "view (every node alive). Then one random node is killed 30 s after the join settled: *first* is when the first node",
      "marked it dead, *last* when the last up node did. Runs with 10 and 100 nodes are the median over 5 seeds (90 s",
      "after the join); 1,000 and 2,000 are one seed each, the sim-speed runs (10 and 3 minutes after the join). SWIM",
      "predicts detection and dissemination grow with log N: two columns divide by log10 N. Packets and bytes per node",
      "per second are over the whole run after the join (probes, acks, gossip); push/pull exchanges are counted apart.",
      "",
      row(["N", "join: median node (s)", "join: worst node (s)", "kill: first dead (s)", "kill: last dead (s)", "last ÷ log10 N", "worst join ÷ log10 N", "packets / node / s", "bytes / node / s", "push/pull per node / s"]),
      row(["---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"])
    ]
    for (const n of sizes) {
      const seeds = n <= 100 ? [1, 2, 3, 4, 5] : [7]
      const outs = seeds.map((seed) => {
        log(`scaling: ${n} nodes, seed ${seed}`)
        return runChild(
          n >= 1000 ? bigRun(n) : makeScenario({ nodes: n, seed, duration: 90_000, actions: [{ _tag: "Kill", at: 30_000, count: 1 }] })
        )
      })
      const med = (f: (o: ChildOutput) => number | undefined) => median(outs.map((o) => f(o) ?? Infinity))
      const last = med((o) => o.result.detections[0]?.last)
      const worst = med((o) => o.result.join.worstNode)
      const logN = Math.log10(n)
      lines.push(row([
        n,
        s(med((o) => o.result.join.medianNode)),
        s(worst),
        s(med((o) => o.result.detections[0]?.first)),
        s(last),
        (last / 1000 / logN).toFixed(2),
        (worst / 1000 / logN).toFixed(2),
        med((o) => o.result.traffic.packetsPerNodeSecond).toFixed(2),
        med((o) => o.result.traffic.bytesPerNodeSecond).toFixed(0),
        med((o) => o.result.traffic.streamsPerNodeSecond).toFixed(4)
      ]))
    }
    return lines.join("\n")
  }
}

const joinTail: Section = {
  name: "join-tail",
  title: "The join tail: 50 nodes, Local preset, median vs worst node",
  run: () => {
    const lines = [
      `Command: \`${cmd("join-tail")}\`. 50 nodes join through one seed at t=0 with the Local preset (retransmitMult 2,`,
      "gossip every 100 ms, push/pull every 15 s), 1–2 ms latency, no loss; 20 seeds each. *coverageFloor off* is",
      "memberlist's transmit count (retransmitMult × ceil(log10(n + 1)) = 4 at 50 nodes); *on* sends each update at least",
      "ceil(ln(100 n)) times (9 at 50 nodes). Compared against HashiCorp memberlist measured on this machine (issue 5):",
      "median node 0.3 s, last node 35–43 s (it waits for a push/pull).",
      "",
      row(["transmit count", "median node (s, median of seeds)", "worst node: best seed", "median seed", "worst seed", "seeds with worst node > 2 s"]),
      row(["---", "---:", "---:", "---:", "---:", "---:"])
    ]
    for (const floor of [false, true]) {
      const medians: Array<number> = []
      const worsts: Array<number> = []
      for (let seed = 1; seed <= 20; seed++) {
        log(`join-tail: coverageFloor ${floor}, seed ${seed}`)
        const out = runChild(makeScenario({
          nodes: 50,
          seed,
          preset: "local",
          duration: 1_000,
          settleLimit: 120_000,
          overrides: { coverageFloor: floor }
        }))
        medians.push(out.result.join.medianNode ?? Infinity)
        worsts.push(out.result.join.worstNode ?? Infinity)
      }
      const sorted = [...worsts].sort((a, b) => a - b)
      lines.push(row([
        floor ? "coverageFloor on (default)" : "coverageFloor off (memberlist's)",
        s(median(medians)),
        s(sorted[0]),
        s(median(worsts)),
        s(sorted[sorted.length - 1]),
        `${worsts.filter((w) => w > 2000).length} of 20`
      ]))
    }
    lines.push("")
    lines.push("Replay one run: `effect-memberlist simulate --nodes 50 --seed 1 --preset local --duration 1s --set coverageFloor=false`.")
    return lines.join("\n")
  }
}

const accuracy: Section = {
  name: "accuracy",
  title: "Accuracy: false suspicions and false deaths, Lifeguard on and off",
  run: () => {
    const lifeguardOff = { awarenessMaxMultiplier: 1, suspicionMaxTimeoutMult: 1 }
    const pauses = (count: number) =>
      Array.from({ length: 9 }, (_, k) => ({ _tag: "Pause" as const, at: 30_000 + k * 60_000, count, duration: 6_000, order: "timers-first" as const }))
    const conditions: ReadonlyArray<readonly [string, Partial<Scenario>]> = [
      ["0% loss", {}],
      ["5% loss", { network: { latency: { _tag: "Uniform", min: 1, max: 2 }, loss: 0.05, streamTimeout: 1000 } }],
      ["10% loss", { network: { latency: { _tag: "Uniform", min: 1, max: 2 }, loss: 0.1, streamTimeout: 1000 } }],
      ["20% loss", { network: { latency: { _tag: "Uniform", min: 1, max: 2 }, loss: 0.2, streamTimeout: 1000 } }],
      ["1 node stalls 6 s every minute", { actions: pauses(1) }],
      ["4 nodes stall 6 s every minute", { actions: pauses(4) }]
    ]
    const lines = [
      `Command: \`${cmd("accuracy")}\`. 100 nodes, LAN preset, 1–2 ms latency, 10 virtual minutes after the join settled, seed 7.`,
      "A *false* suspicion or death is one about a node that is up, reachable and not stalled (a stalled node's own",
      "suspicions and deaths are counted apart: being declared dead while stalled is correct behaviour). *Events* count",
      "every node that took the suspicion in (one accusation seen by 99 nodes is 99 events); *raised* counts the",
      "accusations a prober made itself, the distinct mistakes. Stalls: 6 s (shorter than the 8 s minimum suspicion",
      "timeout at 100 nodes), 9 times; on resume the overdue timers fire before the queued packets are read (a probe",
      "whose ack is already in the socket buffer times out), as a runtime waking from a GC pause does.",
      "",
      "*Lifeguard on* is the LAN preset: awarenessMaxMultiplier 8 (local health scales probe interval and timeout),",
      "suspicionMaxTimeoutMult 6 (a suspicion starts at 6× the minimum timeout and shrinks with independent confirmations),",
      "nacks from relays. *Lifeguard off* sets awarenessMaxMultiplier 1 (no local health) and suspicionMaxTimeoutMult 1",
      "(every suspicion times out at the minimum, confirmations change nothing); relays still send nacks (the core has no",
      "switch for them, and without local health nothing reads them).",
      "",
      row(["condition", "Lifeguard", "false suspicions (events / raised)", "false deaths (events / raised)", "stalled: suspicions / deaths", "packets / node / s", "replay"]),
      row(["---", "---", "---:", "---:", "---:", "---:", "---"])
    ]
    const ratios: Array<string> = []
    for (const [label, partial] of conditions) {
      const results: Array<ChildOutput> = []
      for (const on of [true, false]) {
        log(`accuracy: ${label}, lifeguard ${on ? "on" : "off"}`)
        const out = runChild(makeScenario({ nodes: 100, seed: 7, duration: 600_000, ...partial, overrides: on ? {} : lifeguardOff }))
        results.push(out)
        const a = out.result.accuracy
        lines.push(row([
          label,
          on ? "on" : "off",
          `${a.falseSuspicions} / ${a.falseSuspicionOrigins}`,
          `${a.falseDeaths} / ${a.falseDeathOrigins}`,
          `${a.stallSuspicions} / ${a.stallDeaths}`,
          out.result.traffic.packetsPerNodeSecond.toFixed(2),
          `\`${out.command}\``
        ]))
      }
      const [on, off] = results as [ChildOutput, ChildOutput]
      const ratio = (x: number, y: number) => (x === 0 ? (y === 0 ? "0 = 0" : `0 vs ${y}`) : `${(y / x).toFixed(1)}×`)
      ratios.push(row([
        label,
        ratio(on.result.accuracy.falseSuspicionOrigins, off.result.accuracy.falseSuspicionOrigins),
        ratio(on.result.accuracy.falseDeathOrigins, off.result.accuracy.falseDeathOrigins)
      ]))
    }
    lines.push("")
    lines.push("Lifeguard's effect as a ratio (off ÷ on, raised accusations; \"0 vs k\": none with Lifeguard, k without):")
    lines.push("")
    lines.push(row(["condition", "false suspicions raised", "false deaths declared"]))
    lines.push(row(["---", "---:", "---:"]))
    lines.push(...ratios)
    return lines.join("\n")
  }
}

const wire: Section = {
  name: "wire",
  title: "Wire codec",
  run: () => {
    if (!existsSync("bench/wire.ts")) return "_bench/wire.ts is not there yet._"
    log("wire: bench/wire.ts")
    const out = execFileSync(process.execPath, ["--import", "tsx", "bench/wire.ts"], { encoding: "utf8", maxBuffer: 16 * 2 ** 20 })
    return [`Command: \`${cmd("wire")}\` (runs \`npx tsx bench/wire.ts\`).`, "", out.trim()].join("\n")
  }
}

const realNetwork: Section = {
  name: "real-network",
  title: "Real network (loopback UDP)",
  run: () => {
    log("real-network: 50 members on loopback UDP (bench/loopback.ts)")
    const real = JSON.parse(
      execFileSync(process.execPath, ["--import", "tsx", "bench/loopback.ts", "--nodes", "50", "--seconds", "30"], {
        encoding: "utf8",
        maxBuffer: 16 * 2 ** 20
      }).trim().split("\n").pop() ?? "{}"
    ) as {
      readonly cpuPercentOfOneCore: number
      readonly cpuMillisPerNodeSecond: number
      readonly packetsPerNodeSecond: number
      readonly bytesPerNodeSecond: number
      readonly convergedAfterMs: number
      readonly rssMiB: number
      readonly memberLostDuringWindow: boolean
    }
    log("real-network: the simulator, same configuration")
    const sim = runChild(makeScenario({ nodes: 50, seed: 7, duration: 300_000 }))
    return [
      `Command: \`${cmd("real-network")}\` (runs \`npx tsx bench/loopback.ts --nodes 50 --seconds 30\`). 50 members in one`,
      "Node process, each on its own 127.0.0.1 port over real UDP/TCP, LAN preset, no loss. After they converge and",
      "5 s more, a 30 s window is measured: the whole process's CPU, and packets and bytes sent per member per second",
      "(the members' own `memberlist_packets_out` / `memberlist_bytes_out` metrics, bytes as sent on the wire).",
      "The simulator runs the same configuration (50 nodes, LAN preset, 1–2 ms latency, no loss) for 5 virtual minutes.",
      "",
      row(["source", "packets / member / s", "bytes / member / s", "CPU", "converged after"]),
      row(["---", "---:", "---:", "---:", "---:"]),
      row([
        "loopback UDP (real)",
        real.packetsPerNodeSecond.toFixed(2),
        real.bytesPerNodeSecond.toFixed(0),
        `${real.cpuPercentOfOneCore.toFixed(1)}% of one core for 50 members (${real.cpuMillisPerNodeSecond.toFixed(2)} ms CPU per member-second), RSS ${real.rssMiB} MiB`,
        `${(real.convergedAfterMs / 1000).toFixed(2)} s (wall)`
      ]),
      row([
        "simulator",
        sim.result.traffic.packetsPerNodeSecond.toFixed(2),
        sim.result.traffic.bytesPerNodeSecond.toFixed(0),
        "—",
        `${s(sim.result.join.worstNode)} s (virtual, last node)`
      ]),
      "",
      real.memberLostDuringWindow ? "**A member lost sight of another during the window.**" : "No member lost sight of another during the window.",
      "",
      `Simulator replay: \`${sim.command}\``
    ].join("\n")
  }
}

const vsMemberlist: Section = {
  name: "vs-memberlist",
  title: "Side by side with HashiCorp memberlist (loopback, one process each)",
  run: (previous) => {
    const quick = process.argv.includes("--quick")
    const body = VsMemberlist.run({ quick })
    if (!quick) return body
    // A quick run is for development: show it, keep the file's figures.
    process.stdout.write(body + "\n")
    return previous ?? "_Not run yet._"
  }
}

const massKill: Section = {
  name: "mass-kill",
  title: "Many members failing at once: probe schedules (simulator)",
  run: () => MassKill.section(log)
}

const sections: ReadonlyArray<Section> = [
  simSpeed,
  simScale,
  recorded("driver-redesign", "The driver redesign, side by side"),
  scaling,
  joinTail,
  accuracy,
  realNetwork,
  vsMemberlist,
  massKill,
  wire,
  recorded("hosts", "Faults on real hosts (network namespaces)"),
  recorded("leader", "Leader election (simulator, 100 members)"),
  recorded("address-change", "A member's new address (simulator)"),
  recorded("runner-health", "@effect/cluster: shards moved after a runner dies, gossip vs ping"),
  recorded("telemetry", "Telemetry overhead")
]

// ---------------------------------------------------------------- the document

const machine = (): string => {
  const info = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : ""
  const model = /model name\s*:\s*(.+)/.exec(info)?.[1] ?? cpus()[0]?.model ?? "unknown"
  return [
    `- CPU: ${model.trim()}, ${cpus().length} cores`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node: ${process.version}`,
    `- Date: ${new Date().toISOString().slice(0, 10)}`
  ].join("\n")
}

const marker = (name: string) => [`<!-- bench:${name} -->`, `<!-- /bench:${name} -->`] as const

const existingSection = (doc: string, name: string): string | undefined => {
  const [open, close] = marker(name)
  const a = doc.indexOf(open)
  const b = doc.indexOf(close)
  return a >= 0 && b > a ? doc.slice(a + open.length, b).trim() : undefined
}

const main = () => {
  const args = process.argv.slice(2)
  const onlyIndex = args.indexOf("--only")
  const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? "").split(",").filter((x) => x.length > 0)) : undefined
  if (only !== undefined) {
    for (const name of only) {
      if (!sections.some((s) => s.name === name)) throw new Error(`unknown section ${name}: ${sections.map((s) => s.name).join(", ")}`)
    }
  }
  const old = existsSync(docPath) ? readFileSync(docPath, "utf8") : ""
  const bodies = new Map<string, string>()
  for (const section of sections) {
    if (section.run === undefined || (only !== undefined && !only.has(section.name))) {
      bodies.set(section.name, existingSection(old, section.name) ?? "_Not run yet._")
      continue
    }
    const started = performance.now()
    const previous = existingSection(old, section.name)
    const body = section.run(previous)
    const took = ((performance.now() - started) / 1000).toFixed(0)
    bodies.set(
      section.name,
      body === previous ? body : `${body}\n\n_Measured ${new Date().toISOString().slice(0, 10)}, took ${took} s of wall time._`
    )
    log(`${section.name}: done in ${took} s`)
  }
  const doc = [
    "# Benchmarks",
    "",
    "Measured numbers and how to reproduce each one. `npm run bench` runs every section and rewrites this file;",
    "`npm run bench -- --only NAME[,NAME]` reruns some sections and keeps the others as they were.",
    "Sections: " + sections.filter((s) => s.run !== undefined).map((s) => `\`${s.name}\``).join(", ") + ".",
    "Sections measured by other commands, named in each, and kept as written: " +
    sections.filter((s) => s.run === undefined).map((s) => `\`${s.name}\``).join(", ") + ".",
    "",
    "## Machine",
    "",
    machine(),
    "",
    ...sections.flatMap((section) => {
      const [open, close] = marker(section.name)
      return [`## ${section.title}`, "", open, bodies.get(section.name) ?? "", close, ""]
    })
  ].join("\n")
  writeFileSync(docPath, doc)
  log(`wrote ${docPath}`)
}

main()
