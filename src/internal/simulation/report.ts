/**
 * Renders a simulation report: a text summary for the terminal and a
 * self-contained HTML page with inline SVG charts (convergence curve,
 * detection times, traffic) to look at rather than read.
 *
 * @internal
 */
import { esc, num, sec } from "./format.js"
import type { CurvePoint, SimulationReport } from "./result.js"
import { formatAction, formatDistribution, formatDuration } from "./scenario.js"
import { barChart, lineChart } from "./svgCharts.js"

const table = (rows: ReadonlyArray<readonly [string, string]>): string => {
  const w = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join("\n")
}

const median = (xs: ReadonlyArray<number>): number | undefined => {
  if (xs.length === 0) return undefined
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]
}

/** The text summary: scenario, convergence, detection, accuracy, traffic, and the replay command. */
export const formatSummary = (report: SimulationReport): string => {
  const { scenario: sc, result: r, wall } = report
  const lines: Array<string> = []
  lines.push(`simulation: ${sc.nodes} nodes, preset ${sc.preset}, seed ${sc.seed}, ${formatDuration(sc.duration)} after ${sc.settle ? "the join settled" : "the start"}`)
  lines.push(table([
    ["network", `latency ${formatDistribution(sc.network.latency)}${sc.network.linkLatency ? ` + link ${formatDistribution(sc.network.linkLatency)}` : ""}, loss ${sc.network.loss}${sc.network.bandwidth !== undefined ? `, ${num(sc.network.bandwidth, 0)} B/s per node` : ""}`],
    ["actions", sc.actions.length === 0 ? "none" : sc.actions.map(formatAction).join(" ")],
    ["overrides", Object.keys(sc.overrides).length === 0 ? "none" : Object.entries(sc.overrides).map(([k, v]) => `${k}=${String(v)}`).join(" ")]
  ]))
  lines.push("")
  lines.push(
    sc.convergedStart === true
      ? "converged start (no join storm: every node started at t=0 with the full view)"
      : "join storm (all nodes join through node-0 at t=0)"
  )
  lines.push(table([
    ["median node full view", sec(r.join.medianNode)],
    ["last node full view", r.join.unconverged > 0 ? `never (${r.join.unconverged} nodes short)` : sec(r.join.worstNode)]
  ]))
  if (r.detections.length > 0) {
    lines.push("")
    lines.push("failures (time after the failure)")
    lines.push("  node          kind   first suspect  first dead    last dead")
    for (const d of r.detections.slice(0, 20)) {
      lines.push(`  ${d.node.padEnd(12)}  ${d.kind.padEnd(5)}  ${sec(d.firstSuspicion).padEnd(13)}  ${sec(d.first).padEnd(12)}  ${sec(d.last)}`)
    }
    if (r.detections.length > 20) lines.push(`  ... ${r.detections.length - 20} more`)
    const firsts = r.detections.flatMap((d) => (d.first === undefined ? [] : [d.first]))
    const lasts = r.detections.flatMap((d) => (d.last === undefined ? [] : [d.last]))
    lines.push(`  median first ${sec(median(firsts))}, median last ${sec(median(lasts))}, worst last ${sec(lasts.length ? Math.max(...lasts) : undefined)}`)
  }
  if (r.actions.length > 0) {
    lines.push("")
    lines.push("reconvergence (every up node fully correct again)")
    lines.push(table(r.actions.map((a) => [`${a.action} at ${sec(a.at)}`, sec(a.reconverged)])))
  }
  const acc = r.accuracy
  lines.push("")
  lines.push("accuracy (healthy = up, reachable, not stalled)")
  lines.push(table([
    ["false suspicions", `${acc.falseSuspicions} events, ${acc.falseSuspicionOrigins} raised by a prober`],
    ["false deaths", `${acc.falseDeaths} events, ${acc.falseDeathOrigins} declared by a node itself`],
    ["of stalled nodes", `${acc.stallSuspicions} suspicions, ${acc.stallDeaths} deaths`],
    ["across cuts", `${acc.cutSuspicions} suspicions, ${acc.cutDeaths} deaths`]
  ]))
  const t = r.traffic
  lines.push("")
  lines.push("traffic per node per second (after the join)")
  lines.push(table([
    ["packets", `${t.packetsPerNodeSecond.toFixed(2)} (busiest node ${t.maxPacketsPerNodeSecond.toFixed(2)})`],
    ["bytes (codec-exact)", `${num(t.bytesPerNodeSecond)} (busiest node ${num(t.maxBytesPerNodeSecond)})`],
    ["stream exchanges", `${t.streamsPerNodeSecond.toFixed(3)}, ~${num(t.streamBytesPerNodeSecond)} bytes`],
    ["packets lost", `${t.packetsLost} of ${t.packetsSent}`]
  ]))
  const d = r.detectionTraffic
  if (d !== undefined) {
    lines.push("")
    lines.push(`while detecting (${sec(d.from)} + ${sec(d.ms)}${d.complete ? "" : ", not every failure seen by the end"}), per survivor per second`)
    lines.push(table([
      ["packets", d.packetsPerNodeSecond.toFixed(2)],
      ["bytes (codec-exact)", num(d.bytesPerNodeSecond)]
    ]))
  }
  lines.push("")
  lines.push(`at the end: ${(r.finalConverged * 100).toFixed(1)}% of ${r.upAtEnd} up nodes have a full, correct view`)
  lines.push(`wall: ${(wall.ms / 1000).toFixed(1)} s for ${sec(wall.virtualMs)} virtual (${num(wall.nodeSecondsPerSecond, 0)} node-s per s), peak RSS ${(wall.peakRssBytes / 2 ** 20).toFixed(0)} MiB`)
  if (wall.internerRefusals > 0) {
    lines.push(`  member tables: ${wall.internerRefusals} names or addresses found the interners full and were kept in plain maps`)
  }
  lines.push(`seed ${sc.seed}; replay exactly with:`)
  lines.push(`  ${report.command}`)
  return lines.join("\n")
}

const downsample = (curve: ReadonlyArray<CurvePoint>, max: number): ReadonlyArray<CurvePoint> => {
  if (curve.length <= max) return curve
  const step = curve.length / max
  const out: Array<CurvePoint> = []
  for (let i = 0; i < max; i++) out.push(curve[Math.floor(i * step)] as CurvePoint)
  out.push(curve[curve.length - 1] as CurvePoint)
  return out
}

/** A self-contained HTML page: summary table and inline SVG charts. */
export const renderHtml = (report: SimulationReport): string => {
  const { scenario: sc, result: r } = report
  const curve = downsample(r.curve, 800)
  const marks = [
    ...(sc.settle ? [{ x: r.scenarioStart, label: "join settled: scenario starts" }] : []),
    ...sc.actions.map((a) => ({ x: r.scenarioStart + a.at, label: formatAction(a) })),
    ...r.actions.filter((a) => a.action.endsWith(")")).map((a) => ({ x: a.at, label: a.action.replace(/^.*\(/, "(") }))
  ].sort((a, b) => a.x - b.x)
  const convergence = lineChart("Convergence: share of nodes whose view is fully correct", [
    { label: "nodes with a full, correct view", color: "#27ae60", points: curve.map((p) => [p.t, p.converged * 100]) },
    { label: "correct view entries", color: "#8e44ad", points: curve.map((p) => [p.t, p.correct * 100]), dashed: true }
  ], { yMax: 100, yLabel: "%", yFormat: (v) => `${v.toFixed(0)}%`, marks, labelMarks: true })
  const traffic = lineChart("Traffic per node", [
    { label: "bytes/s per node", color: "#2980b9", points: curve.slice(1).map((p) => [p.t, p.bytesPerNodeSecond]) }
  ], { yLabel: "bytes per second", marks })
  const packets = lineChart("Packets per node", [
    { label: "packets/s per node", color: "#16a085", points: curve.slice(1).map((p) => [p.t, p.packetsPerNodeSecond]) }
  ], { yLabel: "packets per second", marks })
  const detections = r.detections.length === 0
    ? "<p class=muted>No failures in this scenario.</p>"
    : barChart("Failure detection: time after each failure", r.detections.slice(0, 60).map((d) => ({
      label: `${d.node} (${d.kind})`,
      first: d.first,
      last: d.last,
      suspect: d.firstSuspicion
    })))
  const summary = formatSummary(report)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>effect-memberlist simulation: ${sc.nodes} nodes, seed ${sc.seed}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1060px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
.muted { color: #666; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card b { display: block; font-size: 20px; }
.chart { border: 1px solid #eee; border-radius: 8px; padding: 8px; margin: 14px 0; }
pre { background: #f7f7f7; padding: 12px; border-radius: 8px; overflow-x: auto; font-size: 12px; }
code { background: #f3f3f3; padding: 2px 4px; border-radius: 4px; }
</style></head><body>
<h1>Simulation: ${sc.nodes} nodes, ${esc(sc.preset)} preset, seed ${sc.seed}</h1>
<p class=muted>${esc(sc.actions.map(formatAction).join(" ") || "join storm only")} \u00b7 loss ${sc.network.loss} \u00b7 latency ${esc(formatDistribution(sc.network.latency))} \u00b7 ${esc(formatDuration(sc.duration))}</p>
<div class=cards>
<div class=card>join: median node<b>${sec(r.join.medianNode)}</b></div>
<div class=card>join: last node<b>${r.join.unconverged > 0 ? "never" : sec(r.join.worstNode)}</b></div>
<div class=card>false deaths<b>${r.accuracy.falseDeaths}</b></div>
<div class=card>false suspicions<b>${r.accuracy.falseSuspicions}</b></div>
<div class=card>bytes/s per node<b>${num(r.traffic.bytesPerNodeSecond)}</b></div>
<div class=card>full views at end<b>${(r.finalConverged * 100).toFixed(1)}%</b></div>
</div>
<div class=chart>${convergence}</div>
<div class=chart>${detections}</div>
<div class=chart>${traffic}</div>
<div class=chart>${packets}</div>
<h2>Summary</h2>
<pre>${esc(summary)}</pre>
<p>Replay: <code>${esc(report.command)}</code></p>
</body></html>
`
}
