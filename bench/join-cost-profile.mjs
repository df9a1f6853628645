/**
 * Reads a CPU profile of `bench/join-cost.ts --marks` and sums, over the
 * windows between its markers (each newcomer's start, each join()), the
 * self time by source file (from esbuild's `// path` comments in the bundle)
 * and the time inside a few named functions.
 *
 * Usage: node bench/join-cost-profile.mjs PROFILE.cpuprofile BUNDLE.mjs [function-substring ...]
 */
import fs from "node:fs"

const [, , profilePath, bundlePath, ...focus] = process.argv
const profile = JSON.parse(fs.readFileSync(profilePath, "utf8"))
const bundleName = bundlePath.split("/").pop()
const marks = []
fs.readFileSync(bundlePath, "utf8").split("\n").forEach((line, i) => {
  const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(line)
  if (m) marks.push([i, m[1].replace(/^.*node_modules\//, "")])
})
const fileAt = (line) => {
  let lo = 0, hi = marks.length - 1, found = "?"
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (marks[mid][0] <= line) { found = marks[mid][1]; lo = mid + 1 } else hi = mid - 1
  }
  return found
}
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const fileOf = (n) => {
  const cf = n.callFrame
  if (cf.url.includes(bundleName)) return fileAt(cf.lineNumber)
  return cf.url === "" ? `(${cf.functionName})` : cf.url.replace(/^.*\//, "node:")
}
const fnOf = (n) => `${fileOf(n)}:${n.callFrame.functionName || "anon"}`

// Sample times, then the windows the markers bound.
let t = profile.startTime
const samples = profile.samples.map((id, i) => {
  t += profile.timeDeltas[i] ?? 0
  return { id, t, dt: profile.timeDeltas[i + 1] ?? 0 }
})
const markerOf = (id) => {
  const name = nodes.get(id).callFrame.functionName
  let cur = id
  while (cur !== undefined) {
    const f = nodes.get(cur).callFrame.functionName
    if (f === "markStartBegins" || f === "markJoinBegins" || f === "markJoinEnds") return f
    cur = parent.get(cur)
  }
  return name === "" ? undefined : undefined
}
const windows = { start: { self: new Map(), within: new Map(), total: 0, n: 0 }, join: { self: new Map(), within: new Map(), total: 0, n: 0 } }
let current
let lastMarker
for (const s of samples) {
  const m = markerOf(s.id)
  if (m !== undefined) {
    if (m !== lastMarker) {
      if (m === "markStartBegins") current = "start"
      else if (m === "markJoinBegins") current = "join"
      else current = undefined
      if (current !== undefined) windows[current].n++
      lastMarker = m
    }
    continue
  }
  lastMarker = undefined
  if (current === undefined) continue
  const w = windows[current]
  const n = nodes.get(s.id)
  const dt = s.dt / 1000
  w.total += dt
  const f = fileOf(n)
  w.self.set(f, (w.self.get(f) ?? 0) + dt)
  const seen = new Set()
  let cur = s.id
  while (cur !== undefined) {
    const label = fnOf(nodes.get(cur))
    if (!seen.has(label) && focus.some((x) => label.includes(x))) {
      seen.add(label)
      w.within.set(label, (w.within.get(label) ?? 0) + dt)
    }
    cur = parent.get(cur)
  }
}
/** The part of the program a source file belongs to. */
const partOf = (file) => {
  if (file.startsWith("effect/") || file.startsWith("@effect/")) return "Effect runtime"
  if (file.startsWith("src/internal/wire/")) return "wire codec"
  if (file.startsWith("src/internal/swim/") || file.startsWith("src/internal/driver/")) return "core and driver"
  if (file.startsWith("src/internal/transport/") || file.startsWith("node:net") || file.startsWith("node:dgram") || file.startsWith("node:internal/stream") || file.startsWith("node:stream")) return "sockets (transport, net, dgram)"
  if (file.startsWith("src/internal/shell/")) return "shell"
  if (file === "((garbage collector))") return "garbage collection"
  if (file === "((idle))") return "idle"
  if (file.startsWith("bench/")) return "bench"
  return "other (Node, program, config)"
}
for (const [name, w] of Object.entries(windows)) {
  const parts = new Map()
  for (const [f, x] of w.self) parts.set(partOf(f), (parts.get(partOf(f)) ?? 0) + x)
  console.log(`== ${name} by part, ms per window: ` + [...parts].sort((a, b) => b[1] - a[1]).map(([p, x]) => `${p} ${(x / Math.max(1, w.n)).toFixed(3)}`).join("; "))
}
for (const [name, w] of Object.entries(windows)) {
  const per = (x) => (x / Math.max(1, w.n)).toFixed(3)
  console.log(`== ${name}: ${w.n} windows, ${per(w.total)} ms of samples each (idle included)`)
  for (const [f, x] of [...w.self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(per(x).padStart(8), f)
  if (w.within.size > 0) console.log("-- inside")
  for (const [f, x] of [...w.within].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(per(x).padStart(8), f)
}
