/**
 * A preload for the vs-memberlist child (`node --expose-gc -r ./bench/memoryTimeline.cjs
 * bench/.build/vs-child-X.mjs ...`): samples the process's memory every `MEMORY_TIMELINE_MS` (250)
 * and, at exit, writes to `MEMORY_TIMELINE_OUT` (memory-timeline.txt) one line per sample (RSS, V8
 * heap committed/used per space, external, array buffers) and an account of the sample with the
 * highest RSS: the RSS of the file-backed mappings (the node binary, shared libraries), of malloc's
 * heaps (the brk heap and the other anonymous mappings, V8's pages among them) and V8's committed
 * spaces, so the peak can be split into Node, the JS heap and native memory. docs/performance.md,
 * "Max RSS at 100 members", reads it. Sampling costs ~0.1 ms per sample.
 */
"use strict"
const fs = require("node:fs")
const v8 = require("node:v8")

const everyMs = Number(process.env.MEMORY_TIMELINE_MS ?? 250)
const out = process.env.MEMORY_TIMELINE_OUT ?? "memory-timeline.txt"
const started = Date.now()
const lines = []
let peakRss = 0
let peakAccount = ""

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1)

/** RSS (MiB) by kind of mapping, from /proc/self/smaps: file-backed, the brk heap, other anonymous. */
const mappings = () => {
  const kb = { file: 0, brk: 0, anon: 0 }
  let kind = "anon"
  for (const line of fs.readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) kind = line.includes("[heap]") ? "brk" : /\s\/\S/.test(line) ? "file" : "anon"
    else if (line.startsWith("Rss:")) kb[kind] += Number(line.split(/\s+/)[1])
  }
  return `file ${(kb.file / 1024).toFixed(1)}, brk heap ${(kb.brk / 1024).toFixed(1)}, other anonymous ${(kb.anon / 1024).toFixed(1)} MiB`
}

const sample = () => {
  const memory = process.memoryUsage()
  const spaces = {}
  for (const space of v8.getHeapSpaceStatistics()) spaces[space.space_name] = space
  const part = (name) => `${mib(spaces[name].space_size)}/${mib(spaces[name].space_used_size)}`
  const line = `${Date.now() - started} ms rss ${mib(memory.rss)} heap ${mib(memory.heapTotal)}/${mib(memory.heapUsed)}` +
    ` new ${part("new_space")} old ${part("old_space")} code ${part("code_space")} large ${part("large_object_space")}` +
    ` external ${mib(memory.external)} arrayBuffers ${mib(memory.arrayBuffers)}`
  lines.push(line)
  if (memory.rss > peakRss) {
    peakRss = memory.rss
    try {
      peakAccount = `${line}\n  mappings: ${mappings()}`
    } catch {
      peakAccount = `${line}\n  mappings: (no /proc/self/smaps)`
    }
  }
}

setInterval(sample, everyMs).unref()
process.on("exit", () => {
  sample()
  const maxRss = (process.resourceUsage().maxRSS / 1024).toFixed(1)
  fs.writeFileSync(out, `${lines.join("\n")}\nmaxRSS ${maxRss} MiB; the sample with the highest RSS:\n${peakAccount}\n`)
})
