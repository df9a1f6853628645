/**
 * What telemetry costs: the CPU of a steady cluster of N members (default
 * 20) over real UDP/TCP on 127.0.0.1 in one process, LAN preset, without a
 * tracer and with `@effect/opentelemetry`'s `NodeSdk.layer` installed (spans
 * through a `BatchSpanProcessor` to an exporter that only counts them,
 * metrics read every 10 s into an in-memory exporter).
 *
 * Usage:
 *   npx tsx bench/telemetry.ts [--nodes 20] [--seconds 30] [--rounds 2]
 *     runs each mode in its own process, alternating, and prints one JSON line per run
 *   npx tsx bench/telemetry.ts --mode none|otel [--nodes 20] [--seconds 30]
 *     runs one mode here
 *   npx tsx bench/telemetry.ts --mode micro
 *     times the pieces alone: a probe's observations with and without an OpenTelemetry tracer, a
 *     push/pull's span wrapper, and a counter update with the member label against one without
 */
import { NodeSdk } from "@effect/opentelemetry"
import { AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base"
import { Duration, Effect, Exit, Scope } from "effect"
import { spawnSync } from "node:child_process"
import * as Memberlist from "../src/Memberlist.js"
import { MemberMetrics } from "../src/internal/shell/memberMetrics.js"
import * as Telemetry from "../src/internal/shell/telemetry.js"
import { anyLost, startConverged } from "./loopbackCluster.js"

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? String(process.argv[i + 1]) : fallback
}
const nodes = Number(arg("nodes", "20"))
const seconds = Number(arg("seconds", "30"))

/** Converges, waits 5 s, then measures the process's CPU over the window. */
const steadyCluster = Effect.gen(function*() {
  const scope = yield* Scope.make()
  const { members } = yield* startConverged(nodes, scope, 4)
  yield* Effect.sleep(Duration.seconds(5))
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  yield* Effect.sleep(Duration.seconds(seconds))
  const cpu = process.cpuUsage(cpu0)
  const window = (performance.now() - t0) / 1000
  const lost = yield* anyLost(members, nodes)
  yield* Scope.close(scope, Exit.void)
  return {
    windowSeconds: Number(window.toFixed(1)),
    cpuPercentOfOneCore: Number((((cpu.user + cpu.system) / 1e6 / window) * 100).toFixed(2)),
    cpuMicrosPerNodeSecond: Number(((cpu.user + cpu.system) / window / nodes).toFixed(0)),
    memberLostDuringWindow: lost
  }
})

/** Counts what it is given and keeps nothing. */
class CountingExporter implements SpanExporter {
  spans = 0
  export(spans: Array<ReadableSpan>, done: Parameters<SpanExporter["export"]>[1]): void {
    this.spans += spans.length
    done({ code: 0 })
  }
  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}

/** `NodeSdk.layer` with spans to `exporter` through a batch processor and metrics read every 10 s. */
const otelLayer = (exporter: CountingExporter) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: "memberlist-bench" },
    spanProcessor: new BatchSpanProcessor(exporter),
    metricReader: new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 10_000
    })
  }))

const runMode = (mode: string) => {
  if (mode === "none") return Effect.map(steadyCluster, (r) => ({ mode, nodes, ...r }))
  const exporter = new CountingExporter()
  return steadyCluster.pipe(
    Effect.map((r) => ({ mode, nodes, ...r, spansExported: exporter.spans })),
    Effect.provide(otelLayer(exporter))
  )
}

/** Nanoseconds per call of `f`, over `n` calls after `n / 10` to warm up. */
const nanosPer = (n: number, f: (i: number) => void): number => {
  for (let i = 0; i < n / 10; i++) f(i)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) f(i)
  return Number(process.hrtime.bigint() - t0) / n
}

const address = { host: "127.0.0.1", port: 7946 }

const micro = Effect.gen(function*() {
  const clock = yield* Effect.clock
  const probeCycle = (telemetry: Telemetry.Telemetry) => (i: number) => {
    telemetry.observe({ _tag: "ProbeStarted", seqNo: i, target: "peer", address })
    telemetry.observe({ _tag: "ProbeEnded", seqNo: i, target: "peer", acked: true, elapsed: 1, indirect: false })
  }
  const quiet = Telemetry.make({ metrics: new MemberMetrics("micro-quiet"), tracer: undefined, clock })
  const loud = Telemetry.make({ metrics: new MemberMetrics("micro-loud"), tracer: yield* Telemetry.installedTracer, clock })
  const pushPulls = (telemetry: Telemetry.Telemetry, n: number) =>
    Effect.gen(function*() {
      // CPU time, not wall time: the fiber yields to the event loop now and then.
      const cpu0 = process.cpuUsage()
      for (let i = 0; i < n; i++) yield* telemetry.pushPull(Effect.void, address, false)
      const cpu = process.cpuUsage(cpu0)
      return ((cpu.user + cpu.system) * 1000) / n
    })
  const member = new MemberMetrics("micro")
  const counter = Memberlist.metrics.probes
  return {
    mode: "micro",
    probeObservationsNoTracerNs: Math.round(nanosPer(200_000, probeCycle(quiet))),
    probeObservationsOtelNs: Math.round(nanosPer(20_000, probeCycle(loud))),
    pushPullWrapperNoTracerNs: Math.round(yield* pushPulls(quiet, 20_000)),
    pushPullWrapperOtelNs: Math.round(yield* pushPulls(loud, 20_000)),
    counterUnlabelledNs: Math.round(nanosPer(1_000_000, () => counter.unsafeUpdate(1, []))),
    counterMemberLabelNs: Math.round(nanosPer(1_000_000, () => member.count(counter))),
    counterMemberAndReasonNs: Math.round(nanosPer(1_000_000, () => member.countAs(Memberlist.metrics.pushPulls, "reason", "ok")))
  }
})

const mode = arg("mode", "all")
if (mode === "micro") {
  Effect.runPromise(Effect.provide(micro, otelLayer(new CountingExporter()))).then((result) => console.log(JSON.stringify(result)))
} else if (mode === "all") {
  const rounds = Number(arg("rounds", "2"))
  for (let round = 0; round < rounds; round++) {
    for (const m of ["none", "otel"]) {
      const child = spawnSync("npx", ["tsx", process.argv[1]!, "--mode", m, "--nodes", String(nodes), "--seconds", String(seconds)], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"]
      })
      process.stdout.write(child.stdout)
    }
  }
} else {
  Effect.runPromise(runMode(mode)).then(
    (result) => console.log(JSON.stringify(result)),
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
