/**
 * The host fault suite's scenarios (test/hosts/scenarios.ts) with six
 * HashiCorp memberlist peers (test/interop/peer, memberlist's
 * DefaultLocalConfig: probe interval 1 s, like our local preset) instead of
 * our members: the reference figures for docs/benchmarks.md (issue 10). Needs
 * root, iproute2 and the built peer:
 *
 *   bash test/interop/build-peer.sh
 *   npx tsx bench/hostsGo.ts [--runs 2] [--only 1,2,6] [--kind go|ts]
 *
 * Its own namespaces (`emlg-`, 10.215.0.0/24; `emlt-`, 10.216.0.0/24 with
 * --kind ts), so it can share the machine with the suite (`emlh-`,
 * 10.213.0.0/24), removed at the end, on a failure, on SIGINT/SIGTERM and
 * after the overall bound (12 min a run). Prints each scenario's figures, one
 * table a run, then the ranges over the runs. Only reports: a failed check is
 * a note, not an exit code; it is not part of `npm test`.
 *
 * What the Go side cannot show as ours does (see test/hosts/cluster.ts):
 * memberlist has no suspect event, so a Go member's `suspect` is only its
 * own failed probe (its log line), never a suspicion heard by gossip: the
 * first detection is exact, but "all saw it suspect or failed" is an upper
 * bound (all suspected it themselves or declared it failed). `failed` is its
 * NotifyLeave. It has no rediscovery, so scenario 5 shows whether its own
 * gossip and push/pull reach back.
 */
import { appendFileSync, existsSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Cluster, goPeerBinary, waitUntil } from "../test/hosts/cluster.js"
import { network } from "../test/hosts/netns.js"
import * as Scenarios from "../test/hosts/scenarios.js"

const COUNT = 6
const HALF = 3
const P = 1_000
const RUN_BOUND_MS = 12 * 60_000

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const runs = Math.max(1, Math.min(10, Number(option("runs") ?? "1")))
const only = (option("only") ?? "1,2,3,4,5,6").split(",").map(Number)
const kind = option("kind") === "ts" ? "ts" : "go"
const net = kind === "go" ? network({ prefix: "emlg-", subnet: "10.215.0" }) : network({ prefix: "emlt-", subnet: "10.216.0" })
const scenarios = Scenarios.all.filter((s) => only.includes(s.id))
const logFile = fileURLToPath(new URL(`../test/hosts/last-run-${kind}.log`, import.meta.url))

let cluster: Cluster | undefined

const cleanUp = () => {
  for (const child of cluster?.procs ?? []) {
    try {
      child?.kill("SIGKILL")
    } catch {
      // gone
    }
  }
  net.destroy()
}

const abort = (why: string) => {
  console.error(`[hosts-${kind}] ${why}: cleaning up`)
  try {
    cleanUp()
  } finally {
    process.exit(1)
  }
}
process.once("SIGINT", () => abort("SIGINT"))
process.once("SIGTERM", () => abort("SIGTERM"))
process.once("exit", () => {
  try {
    net.destroy()
  } catch (error) {
    console.error(String(error))
  }
})

type Row = Scenarios.Figures & { run: number; failedChecks: Array<string> }

/** A new network and cluster, whole (or not, said in the log). */
const freshCluster = async (run: number): Promise<Cluster> => {
  net.create(COUNT, HALF)
  const c = new Cluster({ count: COUNT, preset: "local", rediscoverMs: 10_000, kind, net })
  cluster = c
  const whole = await Scenarios.startAll(c, COUNT)
  console.log(`[hosts-${kind}] run ${run}: cluster of ${COUNT} whole after ${whole ?? "never"} ms`)
  return c
}

const endCluster = async (c: Cluster) => {
  await c.stopAll()
  appendFileSync(logFile, c.lines.map((l) => JSON.stringify(l)).join("\n") + "\n")
  net.destroy()
  cluster = undefined
}

/**
 * The scenarios in order on one cluster, as the suite runs them; but where a
 * scenario left the cluster split for good (memberlist has no rediscovery:
 * its application would rejoin), the next one gets a new cluster, noted.
 */
const oneRun = async (run: number): Promise<Array<Row>> => {
  let c = await freshCluster(run)
  const rows: Array<Row> = []
  try {
    for (const s of scenarios) {
      const notes: Array<string> = []
      if (await waitUntil(() => c.fullView(), 10 * P) === undefined) {
        notes.push(`new cluster: the last scenario left it split (${c.describeViews()})`)
        await endCluster(c)
        c = await freshCluster(run)
      }
      try {
        const { checks, figures } = await s.run({ cluster: c, count: COUNT, half: HALF, P })
        const failedChecks = checks.filter((ch) => !Scenarios.holds(ch)).map((ch) => ch.label)
        rows.push({ ...figures, notes: [...notes, ...figures.notes], run, failedChecks })
        console.log(`[hosts-${kind}] run ${run} ${figures.scenario}: ${JSON.stringify({ ...figures, notes: [...notes, ...figures.notes], failedChecks })}`)
      } catch (error) {
        const scenario = `${s.id} ${s.title.split(":")[0]}`
        rows.push({ scenario, fault: "", falseFailures: 0, notes: [...notes, String(error)], run, failedChecks: ["did not run"] })
        console.log(`[hosts-${kind}] run ${run} ${scenario}: ${String(error)}`)
      }
    }
  } finally {
    await endCluster(c)
  }
  return rows
}

const range = (values: ReadonlyArray<number | undefined>): string => {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
  const missing = values.length - known.length
  if (known.length === 0) return "-"
  const lo = Math.min(...known)
  const hi = Math.max(...known)
  return `${lo === hi ? lo : `${lo}-${hi}`}${missing > 0 ? ` (${missing}x none)` : ""}`
}

const main = async () => {
  if (kind === "go" && !existsSync(goPeerBinary)) {
    throw new Error(`no Go peer at ${goPeerBinary}: run bash test/interop/build-peer.sh`)
  }
  net.checkPermitted()
  writeFileSync(logFile, "")
  const bound = setTimeout(() => abort(`over the bound of ${RUN_BOUND_MS * runs} ms`), RUN_BOUND_MS * runs)
  const rows: Array<Row> = []
  for (let run = 1; run <= runs; run++) {
    const these = await oneRun(run)
    rows.push(...these)
    console.log(`[hosts-${kind}] run ${run} (ms from the fault or its end):`)
    console.table(these.map(({ fault: _fault, notes, failedChecks, ...r }) => ({
      ...r,
      notes: notes.join(" | "),
      failedChecks: failedChecks.join(" | ")
    })))
  }
  clearTimeout(bound)
  console.log(`[hosts-${kind}] ${runs} run(s), ranges in ms from the fault (recovery: from its end):`)
  console.table(scenarios.map((s) => {
    const these = rows.filter((r) => r.scenario.startsWith(String(s.id)))
    return {
      scenario: these[0]?.scenario ?? s.title,
      detectFirstMs: range(these.map((r) => r.detectFirstMs)),
      detectAllMs: range(these.map((r) => r.detectAllMs)),
      failedAllMs: range(these.map((r) => r.failedAllMs)),
      recoveryMs: range(these.map((r) => r.recoveryMs)),
      falseFailures: these.map((r) => r.falseFailures).join(","),
      checksFailed: these.map((r) => r.failedChecks.length).join(",")
    }
  }))
  console.log(`[hosts-${kind}] every event line of every cluster: ${logFile}`)
}

main().then(
  () => process.exit(0),
  (error) => abort(String(error))
)
