/**
 * Summarizes a `--cpu-prof` profile of a bundled benchmark:
 * `node bench/cpuReport.mjs BUNDLE PROFILE [rows=30] [root=FUNCTION]`. Prints self time by source module
 * (esbuild's `// path` markers in the unminified bundle) and by function; with `root`, only the time spent
 * under frames of that function name (e.g. the UDP socket's `onMessage`), so one path is attributed alone.
 */
import fs from "node:fs"
import { moduleAtLines } from "./bundleModules.mjs"

const [bundle, file, rows = "30", root] = process.argv.slice(2)
const moduleAt = moduleAtLines(bundle)
const { endTime, nodes, samples, startTime, timeDeltas } = JSON.parse(fs.readFileSync(file, "utf8"))
const byId = new Map(nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const bundleName = bundle.split("/").pop()
const where = (frame) => frame.url.endsWith(bundleName) ? moduleAt[frame.lineNumber] : (frame.url.replace(/^.*node_modules\//, "") || "(native)")
const selfTime = new Map()
for (let i = 0; i < samples.length; i++) selfTime.set(samples[i], (selfTime.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0))
const underRoot = (id) => {
  for (let at = id; at !== undefined; at = parent.get(at)) if (byId.get(at).callFrame.functionName === root) return true
  return false
}
const byModule = new Map()
const byFunction = new Map()
let total = 0
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us)
for (const [id, us] of selfTime) {
  if (root !== undefined && !underRoot(id)) continue
  const frame = byId.get(id).callFrame
  total += us
  add(byModule, where(frame), us)
  add(byFunction, `${frame.functionName || "(anonymous)"} ${where(frame)}`, us)
}
console.log(`${((endTime - startTime) / 1e3).toFixed(0)} ms profiled, ${(total / 1e3).toFixed(1)} ms ${root === undefined ? "in all" : `under ${root}`}`)
const print = (title, map) => {
  console.log(`-- ${title} (share, ms)`)
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) {
    console.log(`${(100 * us / total).toFixed(1).padStart(5)}% ${(us / 1e3).toFixed(1).padStart(8)}  ${key}`)
  }
}
print("by module", byModule)
print("by function", byFunction)
