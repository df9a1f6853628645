/**
 * What creating a member's metric series costs (docs/performance.md, "A
 * member's metric series"): N members, each a `MemberMetrics` with a new
 * name, make the first updates a member of the lan 100 join phase makes (the
 * 12 series it ends with: 4 gauges, 6 counters, `push_pulls{reason=ok}` and
 * the join-duration and probe-rtt histograms). Everything runs in a fresh
 * process, so the first `--n` members run on cold code as a join storm's do;
 * `--then` more members follow for a warm figure.
 *
 * Prints one JSON line: CPU microseconds per member for the cold members and
 * for the warm ones, series made per member (from the registry), and the heap
 * kept per member name after a full collection (bytes; needs `--expose-gc`).
 *
 * Usage (bundled):
 *   node -e "require('esbuild').buildSync({entryPoints:['bench/member-series.ts'],bundle:true,platform:'node',format:'esm',target:'node20',outfile:'bench/.build/member-series.mjs'})"
 *   node --expose-gc bench/.build/member-series.mjs --n 100 --then 2000
 */
import { Metric } from "effect"
import { MemberMetrics } from "../src/internal/shell/memberMetrics.js"
import { memberFirstUpdates } from "../test/support/memberFirstUpdates.js"

const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const n = flag("n", 100)
const then = flag("then", 2000)
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

/** CPU microseconds per member for `count` new members named `prefix<i>`. */
const run = (prefix: string, count: number): number => {
  const c0 = process.cpuUsage()
  for (let i = 0; i < count; i++) memberFirstUpdates(new MemberMetrics(`${prefix}${i}`))
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / count
}

const round = (x: number) => Math.round(x * 10) / 10
const series0 = Metric.unsafeSnapshot().length
const cold = run("cold-", n)
const seriesPerMember = (Metric.unsafeSnapshot().length - series0) / n
const warm = run("warm-", then)
gc()
const heap0 = process.memoryUsage().heapUsed
run("heap-", then)
gc()
const heapPerName = (process.memoryUsage().heapUsed - heap0) / then
console.log(JSON.stringify({
  n,
  then,
  coldUsPerMember: round(cold),
  warmUsPerMember: round(warm),
  seriesPerMember,
  heapBytesPerName: Math.round(heapPerName)
}))
