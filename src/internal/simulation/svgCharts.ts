/**
 * Inline SVG charts for the HTML report, with no dependencies: a line
 * chart over virtual time (with vertical marks for the actions) and a
 * horizontal bar chart of detection times.
 *
 * @internal
 */
import { esc, num, sec } from "./format.js"

/** One line of a line chart: (x, y) points, x in virtual ms. */
export interface Series {
  readonly label: string
  readonly color: string
  readonly points: ReadonlyArray<readonly [number, number]>
  readonly dashed?: boolean
}

/** The smallest 1, 2, 2.5 or 5 x 10^k at or above `v`: a round axis maximum. */
const niceMax = (v: number): number => {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

/** The opening `<svg>` tag and the title, shared by every chart. */
const svgHead = (title: string, width: number, height: number, titleX: number): string =>
  [
    `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">`,
    `<text x="${titleX}" y="20" font-size="15" font-weight="600" fill="#222">${esc(title)}</text>`
  ].join("\n")

/** A line chart over virtual time (x in ms, labelled in s), with optional dashed vertical marks. */
export const lineChart = (
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
  out.push(svgHead(title, W, H, L))
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
      out.push(`<text x="${X(m.x) + 3}" y="${y}" font-size="10.5" fill="#c0392b">${esc(m.label.length > 40 ? `${m.label.slice(0, 39)}\u2026` : m.label)}</text>`)
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

/** A detection-time chart: a row per failure, a bar from the first to the last node marking it dead, a dot at the first suspicion. */
export const barChart = (
  title: string,
  rows: ReadonlyArray<{ label: string; first: number | undefined; last: number | undefined; suspect: number | undefined }>
): string => {
  const W = 1000
  const rowH = 18
  const L = 110
  const R = 30
  const T = 44
  const H = T + rows.length * rowH + 30
  const xMax = niceMax(Math.max(...rows.flatMap((r) => [r.first ?? 0, r.last ?? 0, r.suspect ?? 0]), 1) * 1.05)
  const X = (v: number) => L + (v / xMax) * (W - L - R)
  const out: Array<string> = []
  out.push(svgHead(title, W, H, L))
  out.push(`<rect x="${L}" y="28" width="10" height="10" fill="#f39c12"/><text x="${L + 14}" y="37" fill="#333">first suspicion</text>`)
  out.push(`<rect x="${L + 130}" y="28" width="10" height="10" fill="#2980b9"/><text x="${L + 144}" y="37" fill="#333">first node marks it dead \u2192 last node does</text>`)
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
