/**
 * The push/pull path's share of `--cpu-prof` profiles of a bundled benchmark (docs/performance.md, "The
 * cost of a push/pull"): `node bench/pushPullPath.mjs BUNDLE PROFILE... [--rows 30]`. A sample is on the
 * path when its stack holds a stream callback (an accept, a connect, a TCP read, a close or shutdown, the
 * newcomer's dial) and no driver step above it, or, inside a step, the encoding or writing of the seed's
 * answer and the newcomer's dial (the step runs them in place). The steps themselves (the answer's
 * states, both merges, the greetings a join sends) are left out: they are the core's, not the stream's.
 * Prints the path's milliseconds per profile, then its self time by entry point, module and function,
 * averaged over the profiles.
 */
import fs from "node:fs"
import { moduleAtLines } from "./bundleModules.mjs"

const args = process.argv.slice(2)
const rowsAt = args.indexOf("--rows")
const rows = rowsAt >= 0 ? Number(args.splice(rowsAt, 2)[1]) : 30
const [bundle, ...files] = args
const moduleAt = moduleAtLines(bundle)
const bundleName = bundle.split("/").pop()
const where = (frame) =>
  frame.url.endsWith(bundleName) ? moduleAt[frame.lineNumber] : (frame.url.replace(/^.*node_modules\//, "") || "(native)")

/** Stream callbacks, where a push/pull's work starts outside a driver step. */
const entries = new Set(["onconnection", "afterConnect", "onStreamRead", "emitCloseNT", "onReadableStreamEnd", "afterShutdown"])
/** A push/pull's work that a driver step runs in place. */
const inStep = new Set(["encodeStream", "answerAndClose", "readFrameNow", "pushPullNow"])

const byEntry = new Map()
const byModule = new Map()
const byFunction = new Map()
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us)
for (const file of files) {
  const { nodes, samples, timeDeltas } = JSON.parse(fs.readFileSync(file, "utf8"))
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const verdicts = new Map()
  /** The entry point a sample is charged to, or undefined when it is off the path. */
  const pathOf = (id) => {
    if (verdicts.has(id)) return verdicts.get(id)
    let entry = undefined
    let step = false
    let kept = undefined
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at).callFrame.functionName
      if (entries.has(name)) entry = name
      if (kept === undefined && !step && inStep.has(name)) kept = name
      if (kept === undefined && name === "runHere") step = true
    }
    const verdict = kept ?? (step ? undefined : entry)
    verdicts.set(id, verdict)
    return verdict
  }
  let total = 0
  for (let i = 0; i < samples.length; i++) {
    const charged = pathOf(samples[i])
    if (charged === undefined) continue
    const us = timeDeltas[i] ?? 0
    const frame = byId.get(samples[i]).callFrame
    total += us
    add(byEntry, charged, us)
    add(byModule, where(frame), us)
    add(byFunction, `${frame.functionName || "(anonymous)"} ${where(frame)}`, us)
  }
  console.log(`${file.split("/").pop()}: ${(total / 1e3).toFixed(1)} ms on the push/pull path`)
}
const print = (title, map) => {
  console.log(`-- ${title} (ms per profile)`)
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${(us / 1e3 / files.length).toFixed(2).padStart(8)}  ${key}`)
  }
}
print("by entry point", byEntry)
print("by module", byModule)
print("by function", byFunction)
