/**
 * How long a crashed `@effect/cluster` runner's shards take to move, by how
 * the survivors learn it is dead: the gossip view (`Cluster.layerRunnerHealth`,
 * with and without `Cluster.layerRunnerStorage`) or @effect/cluster's own
 * `RunnerHealth.layerPing`. Same setup for each (test/support/runners.ts):
 * three runners on loopback, 30 shards, health checked every 100 ms,
 * assignments refreshed every 100 ms, a 200 ms gossip probe interval; the
 * killed runner is never the one hosting the health-check singleton.
 *
 * Two ways to die: `crash` (the runner's port refuses connections, as when
 * its process exits and its host stays up) and `hang` (the port accepts
 * and never answers, as a frozen process or a host that vanished does:
 * @effect/cluster's ping then waits for its 10 s timeout, six times).
 *
 *   npx tsx bench/runnerHealth.ts [runs] [hang runs]   (default 5 and 3 runs per method)
 *
 * Prints a markdown table: medians (and min–max) of the time from the kill to
 * the gossip failure, to the first shard taken, and to the last one.
 */
import { Effect, Logger, LogLevel } from "effect"
import { type HealthSource, type KillMode, killAndWatch, settled } from "../test/support/runners.js"

const runs = { crash: Number(process.argv[2] ?? 5), hang: Number(process.argv[3] ?? 3) }
const methods: ReadonlyArray<HealthSource> = ["gossip", "gossip-storage", "ping"]

interface Sample {
  readonly failed: number
  readonly first: number
  readonly last: number
}

const once = (method: HealthSource, mode: KillMode) =>
  Effect.scoped(Effect.gen(function*() {
    const { host, runners, storage } = yield* settled(method)
    const victim = runners.find((r) => r !== host)!
    const w = yield* killAndWatch(storage, runners, victim, host, { mode, moveLimit: "150 seconds" })
    return { failed: w.failedAt - w.killedAt, first: w.firstTaken - w.killedAt, last: w.lastTaken - w.killedAt } satisfies Sample
  }))

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const cell = (xs: ReadonlyArray<number>) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`

const program = Effect.gen(function*() {
  const rows: Array<string> = []
  for (const mode of ["crash", "hang"] as const) {
    for (const method of methods) {
      const samples: Array<Sample> = []
      for (let i = 0; i < runs[mode]; i++) {
        const sample = yield* once(method, mode)
        console.error(`${mode} ${method} run ${i + 1}/${runs[mode]}: ${JSON.stringify(sample)}`)
        samples.push(sample)
      }
      if (samples.length === 0) continue
      const columns = [samples.map((s) => s.failed), samples.map((s) => s.first), samples.map((s) => s.last)]
      rows.push(`| ${mode} | ${method} | ${samples.length} | ${columns.map(cell).join(" | ")} |`)
    }
  }
  console.log("Kill to shards moved, ms: median (min–max)\n")
  console.log("| death | how runners learn it | runs | gossip declares it dead | first shard taken | last shard taken |")
  console.log("| --- | --- | --- | --- | --- | --- |")
  for (const row of rows) console.log(row)
})

Effect.runPromise(program.pipe(Logger.withMinimumLogLevel(LogLevel.None))).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
