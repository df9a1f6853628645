/**
 * Renders a simulation report: a text summary for the terminal and a
 * self-contained HTML page with inline SVG charts (convergence curve,
 * detection times, traffic) to look at rather than read.
 *
 * @internal
 */
import type { CurvePoint, SimulationReport } from "./result.js"
import { formatAction, formatDistribution, formatDuration } from "./scenario.js"

const sec = (ms: number | undefined): string => (ms === undefined ? "never" : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`)
const num = (v: number, digits = 1): string =>
  v >= 1e6 ? `${(v / 1e6).toFixed(digits)}M` : v >= 1e4 ? `${(v / 1e3).toFixed(digits)}k` : v.toFixed(digits)

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
  lines.push("join storm (all nodes join through node-0 at t=0)")
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
  lines.push("")
  lines.push(`at the end: ${(r.finalConverged * 100).toFixed(1)}% of ${r.upAtEnd} up nodes have a full, correct view`)
  lines.push(`wall: ${(wall.ms / 1000).toFixed(1)} s for ${sec(wall.virtualMs)} virtual (${num(wall.nodeSecondsPerSecond, 0)} node-s per s), peak RSS ${(wall.peakRssBytes / 2 ** 20).toFixed(0)} MiB`)
  lines.push(`seed ${sc.seed}; replay exactly with:`)
  lines.push(`  ${report.command}`)
  return lines.join("\n")
}

// ---------------------------------------------------------------- SVG

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

interface Series {
  readonly label: string
  readonly color: string
  readonly points: ReadonlyArray<readonly [number, number]>
  readonly dashed?: boolean
}

const niceMax = (v: number): number => {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

const lineChart = (
  title: string,
  series: ReadonlyArray<Series>,
  opts: {
    readonly yMax?: number
    readonly yLabel: string
    readonly yFormat?: (v: number) => string
    readonly marks?: ReadonlyArray<{ readonly x: number; readonly label: string }>
    /** Write each mark's label next to its line. */
    readonly labelMarks?: boolean
  }
): string => {
  const W = 1000
  const H = 280
  const L = 70
  const R = 20
  const T = 34
  const B = 40
  const xs = series.flatMap((s) => s.points.map((p) => p[0]))
  const xMin = Math.min(...xs, 0)
  const xMax = Math.max(...xs, 1)
  const yMax = opts.yMax ?? niceMax(Math.max(...series.flatMap((s) => s.points.map((p) => p[1])), 0) * 1.05)
  const X = (x: number) => L + ((x - xMin) / (xMax - xMin || 1)) * (W - L - R)
  const Y = (y: number) => T + (1 - y / yMax) * (H - T - B)
  const fmt = opts.yFormat ?? ((v: number) => num(v, 1))
  const out: Array<string> = []
  out.push(`<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">`)
  out.push(`<text x="${L}" y="20" font-size="15" font-weight="600" fill="#222">${esc(title)}</text>`)
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4
    out.push(`<line x1="${L}" x2="${W - R}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${L - 6}" y="${Y(v) + 4}" text-anchor="end" fill="#666">${esc(fmt(v))}</text>`)
  }
  const span = (xMax - xMin) / 1000
  const step = niceMax(span / 8)
  for (let s = Math.ceil(xMin / 1000 / step) * step; s <= xMax / 1000 + 1e-9; s += step) {
    out.push(`<line x1="${X(s * 1000)}" x2="${X(s * 1000)}" y1="${H - B}" y2="${H - B + 4}" stroke="#999"/>`)
    out.push(`<text x="${X(s * 1000)}" y="${H - B + 16}" text-anchor="middle" fill="#666">${Number(s.toFixed(2))}s</text>`)
  }
  out.push(`<text x="${W - R}" y="${H - 4}" text-anchor="end" fill="#666">virtual time</text>`)
  out.push(`<text x="14" y="${T + (H - T - B) / 2}" transform="rotate(-90 14 ${T + (H - T - B) / 2})" text-anchor="middle" fill="#666">${esc(opts.yLabel)}</text>`)
  out.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#999"/>`)
  for (const m of opts.marks ?? []) {
    out.push(`<line x1="${X(m.x)}" x2="${X(m.x)}" y1="${T}" y2="${H - B}" stroke="#c0392b" stroke-dasharray="3 3" opacity="0.6"><title>${esc(m.label)}</title></line>`)
  }
  if (opts.labelMarks === true) {
    ;(opts.marks ?? []).forEach((m, i) => {
      const y = T + 14 + (i % 4) * 13
      out.push(`<text x="${X(m.x) + 3}" y="${y}" font-size="10.5" fill="#c0392b">${esc(m.label.length > 40 ? `${m.label.slice(0, 39)}…` : m.label)}</text>`)
    })
  }
  let lx = W - R
  for (const s of [...series].reverse()) {
    const d = s.points.map((p, i) => `${i === 0 ? "M" : "L"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("")
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="6 4"` : ""}/>`)
    const w = 14 + s.label.length * 6.5
    lx -= w + 10
    out.push(`<rect x="${lx}" y="10" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="19" fill="#333">${esc(s.label)}</text>`)
  }
  out.push(`</svg>`)
  return out.join("\n")
}

const barChart = (title: string, rows: ReadonlyArray<{ label: string; first: number | undefined; last: number | undefined; suspect: number | undefined }>): string => {
  const W = 1000
  const rowH = 18
  const L = 110
  const R = 30
  const T = 44
  const H = T + rows.length * rowH + 30
  const xMax = niceMax(Math.max(...rows.flatMap((r) => [r.first ?? 0, r.last ?? 0, r.suspect ?? 0]), 1) * 1.05)
  const X = (v: number) => L + (v / xMax) * (W - L - R)
  const out: Array<string> = []
  out.push(`<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">`)
  out.push(`<text x="${L}" y="20" font-size="15" font-weight="600" fill="#222">${esc(title)}</text>`)
  out.push(`<rect x="${L}" y="28" width="10" height="10" fill="#f39c12"/><text x="${L + 14}" y="37" fill="#333">first suspicion</text>`)
  out.push(`<rect x="${L + 130}" y="28" width="10" height="10" fill="#2980b9"/><text x="${L + 144}" y="37" fill="#333">first node marks it dead → last node does</text>`)
  for (let i = 0; i <= 5; i++) {
    const v = (xMax * i) / 5
    out.push(`<line x1="${X(v)}" x2="${X(v)}" y1="${T}" y2="${H - 26}" stroke="#eee"/>`)
    out.push(`<text x="${X(v)}" y="${H - 12}" text-anchor="middle" fill="#666">${(v / 1000).toFixed(1)}s</text>`)
  }
  rows.forEach((r, i) => {
    const y = T + i * rowH
    out.push(`<text x="${L - 6}" y="${y + 13}" text-anchor="end" fill="#333">${esc(r.label)}</text>`)
    if (r.first !== undefined) {
      const end = r.last ?? xMax
      out.push(`<rect x="${X(r.first)}" y="${y + 3}" width="${Math.max(2, X(end) - X(r.first))}" height="${rowH - 6}" fill="#2980b9" opacity="${r.last === undefined ? 0.35 : 0.9}"><title>first ${sec(r.first)}, last ${sec(r.last)}</title></rect>`)
    }
    if (r.suspect !== undefined) out.push(`<circle cx="${X(r.suspect)}" cy="${y + rowH / 2}" r="4" fill="#f39c12"><title>first suspicion ${sec(r.suspect)}</title></circle>`)
  })
  out.push(`</svg>`)
  return out.join("\n")
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
<p class=muted>${esc(sc.actions.map(formatAction).join(" ") || "join storm only")} · loss ${sc.network.loss} · latency ${esc(formatDistribution(sc.network.latency))} · ${esc(formatDuration(sc.duration))}</p>
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
