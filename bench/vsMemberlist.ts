/**
 * Side by side with HashiCorp memberlist (`npm run bench -- --only
 * vs-memberlist`, or `... --quick` for a short development run that prints
 * its table and leaves docs/benchmarks.md alone).
 *
 * Each run is one process: N members of HashiCorp memberlist in one Go
 * process (bench/go/main.go, built from Debian's package by
 * bench/go/build.sh) or N effect-memberlist members in one Node process
 * (bench/vs-child.ts), on 127.0.0.1, same preset, compression on. Go and TS
 * runs are interleaved (Go, TS, Go, TS, ...) so that load on a shared
 * machine falls on both alike; figures are medians over the runs.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { loadavg } from "node:os"

/** One run's figures, as both children print them. */
interface RunResult {
  readonly impl: "go" | "ts"
  readonly preset: string
  readonly n: number
  readonly mode: "detect" | "loss"
  readonly startMsMedian: number
  readonly joinMsMedian: number
  readonly allJoinedMs: number
  /** Process CPU (user + system) from the first start to the last join's return: Go's may use both cores. */
  readonly joinPhaseCpuMs?: number
  readonly convergeMedianMs: number | null
  readonly convergeLastMs: number | null
  readonly steadyCpuMsPerMemberSecond?: number
  readonly steadySystemCpuMsPerMemberSecond?: number
  readonly steadyBytesPerMemberSecond?: number
  readonly steadyStreamBytesPerMemberSecond?: number
  readonly steadyPacketsPerMemberSecond?: number
  readonly heapMiB?: number
  readonly firstSuspicionMs?: number
  readonly lastDeadMs?: number | null
  readonly detectBytesPerMemberSecond?: number
  readonly detectPacketsPerMemberSecond?: number
  readonly detectDialFailures?: number
  readonly steadySuspicions?: number
  readonly falseSuspicions?: number
  readonly falseDeaths?: number
  readonly lossBytesPerMemberSecond?: number
  readonly maxRssMiB: number
  /** Added here: the 1-minute load average when the run ended. */
  load?: number
}

interface Plan {
  readonly presets: ReadonlyArray<"lan" | "local">
  readonly sizes: ReadonlyArray<number>
  readonly runs: number
  readonly settle: number
  readonly window: number
  readonly lossN: number
  readonly lossWindow: number
  readonly convergeLimit: number
  readonly detectLimit: number
}

const full: Plan = {
  presets: ["lan", "local"],
  sizes: [50, 100],
  runs: 2,
  // Long enough for the last joins' gossip to drain (each update goes out 12 times a member at N = 100, a
  // few per gossip round): a window opened 2 s after our 0.1 s full view still carried it.
  settle: 5,
  window: 15,
  lossN: 25,
  lossWindow: 40,
  convergeLimit: 45,
  detectLimit: 45
}

const quick: Plan = { ...full, sizes: [20], runs: 1, window: 5, lossWindow: 15, convergeLimit: 20, detectLimit: 30 }

const goBinary = "bench/go/bin/vsmemberlist"
/**
 * The TS child, bundled with esbuild into one file and run by plain Node, as an
 * application would ship: under tsx the loader's own thread and the
 * transpiled sources add some 70 MiB of RSS and 50 MiB of heap that are not ours.
 */
const tsBundle = "bench/.build/vs-child.mjs"

const bundle = (): void => {
  // esbuild comes with tsx; loaded synchronously, as the bench framework is synchronous.
  const esbuild = createRequire(import.meta.url)("esbuild") as typeof import("esbuild")
  esbuild.buildSync({
    entryPoints: ["bench/vs-child.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: tsBundle,
    logLevel: "warning"
  })
}
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`)

const runChild = (impl: "go" | "ts", args: ReadonlyArray<string>): RunResult => {
  const [command, argv] = impl === "go"
    ? [goBinary, args]
    : [process.execPath, ["--expose-gc", tsBundle, ...args]]
  const out = spawnSync(command, argv, { encoding: "utf8", maxBuffer: 16 * 2 ** 20 })
  if (out.status !== 0) throw new Error(`${impl} child failed (${out.status}): ${out.stderr.slice(-2000)}`)
  const result = JSON.parse(out.stdout.trim().split("\n").pop() ?? "{}") as RunResult
  result.load = loadavg()[0]!
  return result
}

const median = (xs: ReadonlyArray<number | null | undefined>): number | undefined => {
  const v = xs.map((x) => (x === null || x === undefined || x < 0 ? Infinity : x)).sort((a, b) => a - b)
  if (v.length === 0) return undefined
  return v[Math.floor((v.length - 1) / 2)]
}

const fmt = (x: number | undefined, digits = 0): string => (x === undefined || Number.isNaN(x) ? "—" : x.toFixed(digits))
/** Seconds from ms; Infinity (not within the run's limit) as "> limit". */
const sec = (limitSeconds: number) => (ms: number | undefined): string =>
  ms === undefined ? "—" : ms === Infinity ? `> ${limitSeconds}` : (ms / 1000).toFixed(2)
const ratio = (ts: number | undefined, go: number | undefined): string => {
  if (ts === undefined || go === undefined) return "—"
  if (ts === Infinity || go === Infinity) {
    return ts === go ? "both over the limit" : ts === Infinity ? "TS over the limit" : "Go over the limit"
  }
  if (go === 0) return ts === 0 ? "0 = 0" : `${fmt(ts, 1)} vs 0`
  return `${(ts / go).toFixed(ts / go >= 10 ? 0 : 2)}×`
}
const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(" | ")} |`

/** Runs the plan; returns the markdown section. */
export const run = (options: { readonly quick: boolean }): string => {
  const plan = options.quick ? quick : full
  if (!existsSync("/usr/share/gocode/src/github.com/hashicorp/memberlist")) {
    throw new Error("vs-memberlist needs golang-go and golang-github-hashicorp-memberlist-dev (Debian)")
  }
  log("vs-memberlist: building bench/go")
  execFileSync("bash", ["bench/go/build.sh"], { stdio: ["ignore", "ignore", "inherit"] })
  log("vs-memberlist: bundling bench/vs-child.ts")
  bundle()
  const started = Date.now()
  const loads: Array<number> = [loadavg()[0]!]

  const common = ["--settle", String(plan.settle), "--converge-limit", String(plan.convergeLimit), "--detect-limit", String(plan.detectLimit)]
  const detect = new Map<string, { go: Array<RunResult>; ts: Array<RunResult> }>()
  const loss = new Map<string, { go: Array<RunResult>; ts: Array<RunResult> }>()
  // The join phase again in a warm process (--join-only --warm-up): what is left once the code ran once.
  const warm = new Map<string, { go: Array<RunResult>; ts: Array<RunResult> }>()
  const total = plan.presets.length * (2 * plan.sizes.length + 1) * plan.runs * 2
  let done = 0
  const one = (impl: "go" | "ts", args: ReadonlyArray<string>, into: { go: Array<RunResult>; ts: Array<RunResult> }) => {
    log(`vs-memberlist: ${++done}/${total} ${impl} ${args.join(" ")} (${((Date.now() - started) / 1000).toFixed(0)} s so far)`)
    const r = runChild(impl, args)
    loads.push(r.load ?? NaN)
    into[impl].push(r)
  }
  for (const preset of plan.presets) {
    for (const n of plan.sizes) {
      const key = `${preset} ${n}`
      const into = { go: [], ts: [] }
      detect.set(key, into)
      const args = ["--preset", preset, "--n", String(n), "--mode", "detect", "--window", String(plan.window), ...common]
      for (let r = 0; r < plan.runs; r++) for (const impl of ["go", "ts"] as const) one(impl, args, into)
      const warmInto = { go: [], ts: [] }
      warm.set(key, warmInto)
      const warmArgs = ["--preset", preset, "--n", String(n), "--join-only", "--warm-up"]
      for (let r = 0; r < plan.runs; r++) for (const impl of ["go", "ts"] as const) one(impl, warmArgs, warmInto)
    }
    const into = { go: [], ts: [] }
    loss.set(preset, into)
    const args = ["--preset", preset, "--n", String(plan.lossN), "--mode", "loss", "--window", String(plan.lossWindow), "--loss", "0.1", ...common]
    for (let r = 0; r < plan.runs; r++) for (const impl of ["go", "ts"] as const) one(impl, args, into)
  }
  const wall = (Date.now() - started) / 1000
  // Every run's figures, for a closer look (git-ignored).
  mkdirSync("bench/.build", { recursive: true })
  writeFileSync(
    "bench/.build/vs-memberlist-runs.json",
    JSON.stringify({ plan, detect: Object.fromEntries(detect), warm: Object.fromEntries(warm), loss: Object.fromEntries(loss) }, null, 1)
  )

  // ---- the tables
  type Metric = {
    readonly label: string
    readonly get: (r: RunResult) => number | null | undefined
    readonly show: (x: number | undefined) => string
    /** Read from the warm-process join runs instead of the detect runs. */
    readonly warm?: true
  }
  const metrics: ReadonlyArray<Metric> = [
    { label: "start one member (ms, median member)", get: (r) => r.startMsMedian, show: (x) => fmt(x, 2) },
    { label: "join() call (ms, median member)", get: (r) => r.joinMsMedian, show: (x) => fmt(x, 2) },
    { label: "all N−1 join() calls done (ms)", get: (r) => r.allJoinedMs, show: (x) => fmt(x, 0) },
    { label: "… process CPU over those starts and joins (ms)", get: (r) => r.joinPhaseCpuMs, show: (x) => fmt(x, 0) },
    { label: "all N−1 join() calls done, in a warm process (ms)", get: (r) => r.allJoinedMs, show: (x) => fmt(x, 0), warm: true },
    { label: "… process CPU over those starts and joins, warm (ms)", get: (r) => r.joinPhaseCpuMs, show: (x) => fmt(x, 0), warm: true },
    { label: "full view after the last join: median member (s)", get: (r) => r.convergeMedianMs, show: sec(plan.convergeLimit) },
    { label: "full view after the last join: last member (s)", get: (r) => r.convergeLastMs, show: sec(plan.convergeLimit) },
    { label: "steady CPU (ms per member-second)", get: (r) => r.steadyCpuMsPerMemberSecond, show: (x) => fmt(x, 2) },
    { label: "… of which system (kernel) CPU", get: (r) => r.steadySystemCpuMsPerMemberSecond, show: (x) => fmt(x, 2) },
    { label: "max RSS of the process (MiB)", get: (r) => r.maxRssMiB, show: (x) => fmt(x, 0) },
    { label: "live heap after a full GC (MiB)", get: (r) => r.heapMiB, show: (x) => fmt(x, 1) },
    {
      label: "datagram bytes sent per member per second, steady",
      get: (r) =>
        r.steadyBytesPerMemberSecond === undefined ? undefined : r.steadyBytesPerMemberSecond - (r.steadyStreamBytesPerMemberSecond ?? 0),
      show: (x) => fmt(x, 0)
    },
    { label: "stream bytes sent per member per second, steady (see below)", get: (r) => r.steadyStreamBytesPerMemberSecond, show: (x) => fmt(x, 0) },
    { label: "kill 10%: first suspicion (s)", get: (r) => r.firstSuspicionMs, show: sec(plan.detectLimit) },
    { label: "kill 10%: last survivor sees every victim dead (s)", get: (r) => r.lastDeadMs, show: sec(plan.detectLimit) },
    { label: "bytes sent per survivor per second, detecting", get: (r) => r.detectBytesPerMemberSecond, show: (x) => fmt(x, 0) },
    {
      // The rate above divides by the detection's length, which aligned probing shortens; this is what the whole
      // detection cost each survivor (docs/detection.md, "What detection traffic buys").
      label: "KiB sent per survivor for the whole detection",
      get: (r) =>
        r.detectBytesPerMemberSecond == null || r.lastDeadMs == null || !Number.isFinite(r.lastDeadMs) ? undefined : r.detectBytesPerMemberSecond * r.lastDeadMs / 1000 / 1024,
      show: (x) => fmt(x, 1)
    },
    { label: "packets sent per survivor per second, detecting", get: (r) => r.detectPacketsPerMemberSecond, show: (x) => fmt(x, 1) },
    { label: "failed stream dials while detecting (TCP fallback pings)", get: (r) => r.detectDialFailures, show: (x) => fmt(x, 0) },
    { label: "suspicions before the kill (none is true; > 0: a starved process)", get: (r) => r.steadySuspicions, show: (x) => fmt(x, 0) }
  ]
  const keys = [...detect.keys()]
  const lines: Array<string> = []
  lines.push(row(["", ...keys.flatMap((k) => [`${k}: Go`, `${k}: TS`, `${k}: TS/Go`])]))
  lines.push(row(["---", ...keys.flatMap(() => ["---:", "---:", "---:"])]))
  for (const m of metrics) {
    lines.push(row([m.label, ...keys.flatMap((k) => {
      const { go, ts } = (m.warm ? warm : detect).get(k)!
      const g = median(go.map(m.get))
      const t = median(ts.map(m.get))
      return [m.show(g), m.show(t), ratio(t, g)]
    })]))
  }
  // Marginal memory per member: the RSS step from the smaller to the larger N.
  if (plan.sizes.length >= 2) {
    const [a, b] = [plan.sizes[0]!, plan.sizes[plan.sizes.length - 1]!]
    const cells = plan.presets.map((p) => {
      const per = (impl: "go" | "ts") =>
        ((median(detect.get(`${p} ${b}`)![impl].map((r) => r.maxRssMiB)) ?? NaN) -
          (median(detect.get(`${p} ${a}`)![impl].map((r) => r.maxRssMiB)) ?? NaN)) / (b - a)
      return `${p}: Go ${per("go").toFixed(2)}, TS ${per("ts").toFixed(2)} (${ratio(per("ts"), per("go"))})`
    })
    lines.push("")
    lines.push(`Max RSS per added member (MiB, from N=${a} to N=${b}): ${cells.join("; ")}.`)
  }
  lines.push("")
  lines.push(`False suspicions and deaths at 10% loss (outgoing datagrams dropped at the transport), N=${plan.lossN}, TCP pings off,`)
  lines.push(`${plan.lossWindow} s window after the members converged; every suspicion and death is false (nobody is down). *Events*:`)
  lines.push("one per member that marks another suspect or dead (memberlist's `memberlist.msg.suspect` / `.dead` counters,")
  lines.push("our `memberlist_suspicions` / `memberlist_deaths`).")
  lines.push("")
  lines.push(row(["preset", "Go: suspicions / deaths", "TS: suspicions / deaths", "Go: bytes / member / s", "TS: bytes / member / s", "TS/Go bytes"]))
  lines.push(row(["---", "---:", "---:", "---:", "---:", "---:"]))
  for (const [preset, { go, ts }] of loss) {
    const runs = (rs: ReadonlyArray<RunResult>) =>
      `${fmt(median(rs.map((r) => r.falseSuspicions)))} / ${fmt(median(rs.map((r) => r.falseDeaths)))} (runs: ${rs.map((r) => `${r.falseSuspicions}/${r.falseDeaths}`).join(", ")})`
    const gb = median(go.map((r) => r.lossBytesPerMemberSecond))
    const tb = median(ts.map((r) => r.lossBytesPerMemberSecond))
    lines.push(row([preset, runs(go), runs(ts), fmt(gb), fmt(tb), ratio(tb, gb)]))
  }
  lines.push("")
  lines.push("Notes. *Stream bytes* are push/pull exchanges. memberlist starts its periodic push/pull only after a random")
  lines.push("stagger of up to one interval *plus* one whole scaled interval (60–120 s after the start at these sizes), so a")
  lines.push("window this early sees none of Go's; ours schedules the first within one interval. In the long run both make")
  lines.push("one per member per scaled interval (an exchange is the same size on both sides: docs/wire-bytes.md). *Datagram")
  lines.push("bytes*: a steady member sends what memberlist sends, one ping and one ack per probe interval, byte for byte; the")
  lines.push("CRC frame of protocol 5 goes only on packets with membership claims or user data (`packetCrc`), as memberlist")
  lines.push("leaves it off pings and acks. *Detecting*: ours adds verification pings to suspects, a repeated direct ping")
  lines.push("after a probe timeout and a floor on retransmissions (docs/detection.md), and sends no TCP fallback ping to a")
  lines.push("member it already suspects. Each of the three can be turned off (`verifySuspects`, `repeatDirectPing`,")
  lines.push("`coverageFloor`; docs/detection.md, \"What detection traffic buys\"). *KiB for the whole detection*: the rate")
  lines.push("times the time until the last survivor saw every victim dead; aligned probing shortens that time, which raises")
  lines.push("the per-second rate for the same bytes. Under `local` the floor is also what keeps a survivor from missing every")
  lines.push("copy of a death and waiting for its next push/pull (docs/detection.md, \"Tails over 30 seeds\").")
  lines.push("Under `local` at N=100 memberlist's members wait for a push/pull to learn the last joiners, hence")
  lines.push(`"> ${plan.convergeLimit}" (not within the limit).`)

  const finite = loads.filter((x) => Number.isFinite(x))
  const header = [
    `Command: \`npm run bench -- --only vs-memberlist\` (\`--quick\`: N=20, one run, short windows, prints the table`,
    "and leaves this file alone). HashiCorp memberlist is Debian's 0.2.2 (`golang-github-hashicorp-memberlist-dev`),",
    `built by \`bench/go/build.sh\` with ${goVersion()}; ours on Node ${process.version}, bundled by esbuild (\`bench/.build/vs-child.mjs\`).`,
    "",
    "Each run is one process holding N members on 127.0.0.1 (Go: N `memberlist.Create` in `bench/go/main.go`;",
    "TS: N `Memberlist.layer` in `bench/vs-child.ts`), same preset, compression on, every member on its own port.",
    `Go and TS runs alternate (Go, TS, Go, TS, …); each figure is the median over ${plan.runs} run${plan.runs > 1 ? "s" : ""}.`,
    "Members start one after another, each joining member 0 with `join()` as soon as it started (*start*: Create or",
    "building the layer; *join() call*: the call alone). *In a warm process*: separate runs (`--join-only --warm-up`)",
    "that first start, join and close N members, wait 1 s and collect, then time the same phase for N more, so the",
    "code has run once (docs/performance.md, \"The join phase, seventh pass\"). *Full view*: when a member first lists all N, timed from the",
    `last join's return (polled every 100 ms). Then, ${plan.settle} s later (the last joins' gossip has drained), a full`,
    "collection (`runtime.GC()`, `gc()`), 1 s for its",
    `sweeping, and a steady window of ${plan.window} s: process CPU (user + system) over the window ÷ N, the live heap after`,
    "another full collection (Go: HeapAlloc, Node: heapUsed), and bytes sent per member (counted in a wrapper around",
    "each member's transport in both: UDP datagrams plus everything written on TCP streams). Then 10% of the members",
    "(every tenth) stop without leaving (Go: `Shutdown` without `Leave`; TS: closing the scope with `leaveOnClose: false`):",
    "*first suspicion* is the first suspect event anywhere (polled every 10 ms), *last survivor* the moment every survivor's",
    "view has lost every victim (polled every 100 ms). Max RSS is the process's peak (`getrusage`), the runtime",
    "included: one member alone measured 70 MiB of RSS and 10 MiB of live heap in Node, 8 MiB and 0.3 MiB in Go.",
    "Our presets add `coverageFloor` (see the join-tail section): that is why our last member gets the full view sooner",
    "under `local`, and why we send more bytes while an update spreads (each update goes out more times).",
    "",
    `Load average (1 min) at the end of each run: median ${fmt(median(finite), 2)}, from ${fmt(Math.min(...finite), 2)} to ${fmt(Math.max(...finite), 2)}`,
    `on ${cpuCount()} cores. The whole section took ${(wall / 60).toFixed(1)} minutes.`,
    ""
  ]
  return [...header, ...lines].join("\n")
}

const goVersion = (): string => {
  try {
    return execFileSync("go", ["version"], { encoding: "utf8" }).trim().replace(/^go version /, "")
  } catch {
    return "go (version unknown)"
  }
}

const cpuCount = (): number => {
  try {
    return Number(execFileSync("nproc", { encoding: "utf8" }).trim())
  } catch {
    return NaN
  }
}
