/**
 * Exporting a cluster's spans and metrics with OpenTelemetry.
 *
 * Three members on an in-process network join, probe each other, then one
 * of them stops without leaving and the others declare it dead. Its spans
 * (probes, push/pulls, joins) and metrics (every series labelled with
 * `member`, and the histograms) go through `@effect/opentelemetry`'s
 * `NodeSdk.layer` to whatever exporter and metric reader you pass: here,
 * the SDK's in-memory ones, summarised at the end.
 *
 * Run it with `npx tsx examples/opentelemetry.ts` (about five seconds).
 * `test/examples/opentelemetry.test.ts` runs it and checks what arrives.
 */
import { NodeSdk } from "@effect/opentelemetry"
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  type MetricData,
  PeriodicExportingMetricReader
} from "@opentelemetry/sdk-metrics"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Context, Duration, Effect, Exit, Layer, Schema, Schedule, Scope } from "effect"
import { Discovery, Memberlist, SwimConfig, Transport } from "effect-memberlist"
import { pathToFileURL } from "node:url"

/** Faster than the `local` preset, so that a death is declared within seconds. */
const config = (name: string): SwimConfig.SwimConfigShape => ({
  ...SwimConfig.local({ name }),
  probeInterval: Duration.millis(200),
  probeTimeout: Duration.millis(100)
})

const addressOf = (port: number) => ({ host: "127.0.0.1", port })

/** The member service, typed by its messages (plain strings here). */
class Member extends Memberlist.Tag("example/Member")<Member, string>() {}

/** Starts member `name` on `network`, joining through `seeds`; it runs until `scope` closes. */
const startMember = (network: Transport.MemoryNetwork, scope: Scope.Scope, name: string, port: number, seeds: ReadonlyArray<string>) =>
  Memberlist.layer(Member, { messages: Schema.String, leaveOnClose: false }).pipe(
    Layer.provide(network.layer(addressOf(port))),
    Layer.provide(Discovery.static(seeds)),
    Layer.provide(SwimConfig.layer(config(name))),
    Layer.buildWithScope(scope),
    Effect.map(Context.get(Member))
  )

/** Polls `check` every 50 ms for at most `within`. */
const waitUntil = (check: Effect.Effect<boolean>, within: Duration.DurationInput) =>
  check.pipe(
    Effect.filterOrFail((done) => done),
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`not done within ${Duration.format(within)}`) })
  )

/**
 * Alice, then Bob and Carol joining through her; once all see three members
 * and have probed for a second, Carol stops without leaving, and the program
 * ends when Alice and Bob hold her dead.
 */
export const cluster = Effect.scoped(
  Effect.gen(function*() {
    const network = Transport.makeMemoryNetwork()
    const scopes = { alice: yield* Scope.make(), bob: yield* Scope.make(), carol: yield* Scope.make() }
    yield* Effect.addFinalizer(() => Effect.forEach(Object.values(scopes), (s) => Scope.close(s, Exit.void)))
    const alice = yield* startMember(network, scopes.alice, "alice", 7001, [])
    const bob = yield* startMember(network, scopes.bob, "bob", 7002, ["127.0.0.1:7001"])
    yield* startMember(network, scopes.carol, "carol", 7003, ["127.0.0.1:7001"])
    const sees = (member: Memberlist.Memberlist<string>, n: number) => Effect.map(member.members, (ms) => ms.length === n)
    yield* waitUntil(Effect.zipWith(sees(alice, 3), sees(bob, 3), (a, b) => a && b), "10 seconds")
    yield* Effect.sleep("1 second")
    yield* Scope.close(scopes.carol, Exit.void)
    yield* waitUntil(Effect.zipWith(sees(alice, 2), sees(bob, 2), (a, b) => a && b), "20 seconds")
  })
)

/** The SDK's in-memory exporters, and a metric reader that collects when flushed (and at shutdown), not on a timer. */
export const inMemoryExporters = () => {
  const spans = new InMemorySpanExporter()
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })
  return { spans, metrics, reader }
}

/** What arrived: the finished spans and the metrics of one last collection. */
export interface Exported {
  readonly spans: ReadonlyArray<ReadableSpan>
  readonly metrics: ReadonlyArray<MetricData>
}

/**
 * Runs `cluster` under `NodeSdk.layer`, spans exported through a
 * `SimpleSpanProcessor` and metrics read by a reader it collects from once
 * more at the end; returns both, read before the SDK shuts the exporters
 * down (the in-memory span exporter forgets its spans then).
 */
export const runObserved: Effect.Effect<Exported, Error> = Effect.gen(function*() {
  const exporters = inMemoryExporters()
  const observed = Effect.gen(function*() {
    yield* cluster
    yield* Effect.promise(() => exporters.reader.forceFlush())
    const last = exporters.metrics.getMetrics().at(-1)
    return {
      spans: exporters.spans.getFinishedSpans().slice(),
      metrics: last?.scopeMetrics.flatMap((scope) => scope.metrics) ?? []
    }
  })
  return yield* observed.pipe(
    Effect.provide(
      NodeSdk.layer(() => ({
        resource: { serviceName: "memberlist-example" },
        spanProcessor: new SimpleSpanProcessor(exporters.spans),
        metricReader: exporters.reader
      }))
    )
  )
})

const main = Effect.gen(function*() {
  const { metrics, spans } = yield* runObserved
  const byName = new Map<string, number>()
  for (const span of spans) byName.set(span.name, (byName.get(span.name) ?? 0) + 1)
  console.log("spans:", Object.fromEntries(byName))
  for (const metric of metrics) {
    if (!metric.descriptor.name.endsWith("_ms")) continue
    for (const point of metric.dataPoints) {
      const value = point.value as { readonly count: number; readonly sum?: number }
      console.log(metric.descriptor.name, point.attributes, `count=${value.count} sum=${value.sum ?? 0}`)
    }
  }
})

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) Effect.runPromise(main)
