/**
 * `effect-memberlist simulate`: runs a scenario on the simulator, prints a
 * summary (ending with the seed and the exact command to replay it) and
 * optionally writes a self-contained HTML report and the raw JSON.
 *
 * @internal
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Either, Option } from "effect"
import { writeFileSync } from "node:fs"
import * as Simulator from "effect-memberlist/Simulator"

const options = {
  nodes: Options.integer("nodes").pipe(Options.withDefault(100), Options.withDescription("how many nodes join at the start")),
  seed: Options.integer("seed").pipe(Options.withDefault(1), Options.withDescription("seeds every random choice: same seed, same run")),
  preset: Options.choice("preset", ["lan", "wan", "local"]).pipe(Options.withDefault("lan" as const)),
  duration: Options.text("duration").pipe(
    Options.withDefault("1m"),
    Options.withDescription("how long to run after the join settled (250ms, 30s, 10m)")
  ),
  scenario: Options.text("scenario").pipe(
    Options.repeated,
    Options.withDescription(
      "an action, repeatable: kill:10@30s leave:5@10s rolling:all@10s,every=20s,down=5s partition:0.3@20s+60s " +
        "flap:1@10s+2m,period=4s loss:0.2@0s+5m asym:1@10s+1m,loss=0.9,dir=egress pause:1@30s+10s[,order=due] join:50@1m relocate:3@30s,down=2s " +
        "(default time @10s)"
    )
  ),
  loss: Options.float("loss").pipe(Options.withDefault(0), Options.withDescription("uniform packet loss in [0, 1] all run long")),
  latency: Options.text("latency").pipe(
    Options.withDefault("1..2ms"),
    Options.withDescription("one-way latency per message: 2ms, 1..3ms, normal:MEAN,SD, lognormal:MEDIAN,SIGMA")
  ),
  linkLatency: Options.text("link-latency").pipe(Options.optional, Options.withDescription("fixed extra latency per link, same forms")),
  bandwidth: Options.integer("bandwidth").pipe(Options.optional, Options.withDescription("upload bytes per second per node")),
  streamTimeout: Options.text("stream-timeout").pipe(Options.withDefault("1s")),
  convergedStart: Options.boolean("converged-start").pipe(
    Options.withDescription("skip the join storm: every node starts with every other alive in its view (steady state at scale)")
  ),
  noSettle: Options.boolean("no-settle").pipe(Options.withDescription("start the actions' clock at 0, during the join")),
  sizer: Options.choice("sizer", ["codec", "estimate"]).pipe(Options.withDefault("codec" as const)),
  sampleEvery: Options.text("sample-every").pipe(Options.optional, Options.withDescription("convergence curve sampling period")),
  set: Options.text("set").pipe(Options.repeated, Options.withDescription("core setting override, e.g. --set retransmitMult=2 --set coverageFloor=false")),
  report: Options.text("report").pipe(Options.optional, Options.withDescription("write a self-contained HTML report here")),
  json: Options.text("json").pipe(Options.optional, Options.withDescription("write the full report as JSON here"))
}

type Parsed = { readonly [K in keyof typeof options]: (typeof options)[K] extends Options.Options<infer A> ? A : never }

const fail = (message: string) => Effect.fail(new Error(message))
const get = <A>(name: string, e: Either.Either<A, string>) =>
  Either.match(e, { onLeft: (m) => fail(`--${name}: ${m}`), onRight: Effect.succeed })

/** Turns the options into a scenario, or says which one is wrong. */
const toScenario = (o: Parsed): Effect.Effect<Simulator.Scenario, Error> =>
  Effect.gen(function*() {
    if (o.nodes < 1) return yield* fail("--nodes must be at least 1")
    if (!(o.loss >= 0 && o.loss <= 1)) return yield* fail("--loss must be in [0, 1]")
    const duration = yield* get("duration", Simulator.parseDuration(o.duration))
    const latency = yield* get("latency", Simulator.parseDistribution(o.latency))
    const linkLatency = Option.isSome(o.linkLatency)
      ? yield* get("link-latency", Simulator.parseDistribution(o.linkLatency.value))
      : undefined
    const streamTimeout = yield* get("stream-timeout", Simulator.parseDuration(o.streamTimeout))
    const sampleEvery = Option.isSome(o.sampleEvery) ? yield* get("sample-every", Simulator.parseDuration(o.sampleEvery.value)) : 0
    const actions: Array<Simulator.Action> = []
    for (const text of o.scenario) actions.push(yield* get("scenario", Simulator.parseAction(text)))
    const overrides: Record<string, number | boolean> = {}
    for (const text of o.set) {
      const [key, value] = yield* get("set", Simulator.parseOverride(text))
      overrides[key] = value
    }
    return Simulator.scenario({
      nodes: o.nodes,
      seed: o.seed,
      preset: o.preset,
      duration,
      actions,
      overrides,
      settle: !o.noSettle,
      ...(o.convergedStart ? { convergedStart: true } : {}),
      sizer: o.sizer,
      sampleEvery,
      network: {
        latency,
        linkLatency,
        loss: o.loss,
        bandwidth: Option.getOrUndefined(o.bandwidth),
        streamTimeout
      }
    })
  })

/** Exit code of a simulation stopped by SIGTERM or SIGINT before its end (128 + SIGTERM's number). */
export const stoppedExitCode = 143

let stopped = false

/** Whether a simulation was stopped before its end in this process (the exit code then is `stoppedExitCode`). */
export const simulationStopped = (): boolean => stopped

/** The `simulate` command. */
export const simulate = Command.make("simulate", options, (o) =>
  Effect.gen(function*() {
    const scenario = yield* toScenario(o)
    // On stderr, so stdout stays the report: a long run says it started and how to stop it.
    process.stderr.write(`simulate: ${scenario.nodes} nodes, seed ${scenario.seed}: running (SIGTERM or SIGINT stops it)\n`)
    const report = yield* Simulator.run(scenario).pipe(
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          stopped = true
          process.stderr.write("simulate: stopped before the end; no report\n")
        })
      )
    )
    yield* Console.log(Simulator.formatSummary(report))
    if (Option.isSome(o.report)) {
      const path = o.report.value
      yield* Effect.try(() => writeFileSync(path, Simulator.renderHtml(report)))
      yield* Console.log(`report: ${path}`)
    }
    if (Option.isSome(o.json)) {
      const path = o.json.value
      yield* Effect.try(() => writeFileSync(path, JSON.stringify(report, null, 1)))
      yield* Console.log(`json: ${path}`)
    }
  })).pipe(Command.withDescription("simulate a cluster on virtual time, deterministically from a seed"))
