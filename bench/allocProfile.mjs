/**
 * A preload for the vs-memberlist child (`node --expose-gc --import ./bench/allocProfile.mjs
 * bench/.build/vs-child-X.mjs ...`): V8's sampling allocation profile, collected objects included, over
 * the join phase (start to the child's first full collection), the steady window (first to second full
 * collection) and the detection phase (8 s from the second). Each phase's profile and its scavenge
 * count go to `${ALLOC_PROFILE_DIR:-.}/${ALLOC_PROFILE_TAG:-run}-{join,steady,detect}.json`;
 * `bench/allocReport.mjs` summarizes one. Sampling slows the child down: its own figures are not for
 * publishing.
 */
import fs from "node:fs"
import inspector from "node:inspector"
import { syncBuiltinESMExports } from "node:module"
import { constants, PerformanceObserver } from "node:perf_hooks"
import vm from "node:vm"

const dir = process.env.ALLOC_PROFILE_DIR ?? "."
const tag = process.env.ALLOC_PROFILE_TAG ?? "run"
const session = new inspector.Session()
session.connect()
let scavenges = 0
let fullCollections = 0
let started = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++
    else fullCollections++
  }
}).observe({ entryTypes: ["gc"] })

const start = () => {
  session.post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true
  })
  scavenges = 0
  fullCollections = 0
  started = performance.now()
}
const stop = (phase) =>
  session.post("HeapProfiler.stopSampling", (error, result) => {
    if (error) throw error
    const seconds = (performance.now() - started) / 1000
    const file = `${dir}/${tag}-${phase}.json`
    fs.writeFileSync(file, JSON.stringify({ seconds, scavenges, fullCollections, profile: result.profile }))
  })

// The child takes `gc` from a new context (`runInNewContext("gc")`); its calls mark the phases.
let collections = 0
const original = vm.runInNewContext
vm.runInNewContext = function(code, ...rest) {
  const value = original.call(this, code, ...rest)
  if (code !== "gc") return value
  return () => {
    value()
    collections++
    if (collections === 1) {
      stop("join")
      start()
    } else if (collections === 2) {
      stop("steady")
      start()
      setTimeout(() => stop("detect"), 8000).unref()
    }
  }
}
syncBuiltinESMExports()
start()
