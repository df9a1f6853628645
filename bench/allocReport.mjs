/**
 * Summarizes a profile written by `bench/allocProfile.mjs`:
 * `node bench/allocReport.mjs BUNDLE PROFILE [members=100] [rows=25]`. Prints the bytes sampled per
 * member-second and the scavenges, then the shares by source module (from esbuild's `// path` markers
 * in the unminified bundle) and by function. Sampled bytes estimate what was allocated.
 */
import fs from "node:fs"
import { moduleAtLines } from "./bundleModules.mjs"

const [bundle, file, members = "100", rows = "25"] = process.argv.slice(2)
const moduleAt = moduleAtLines(bundle)
const { fullCollections, profile, scavenges, seconds } = JSON.parse(fs.readFileSync(file, "utf8"))
const byModule = new Map()
const byFunction = new Map()
let total = 0
const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes)
const visit = (node) => {
  const frame = node.callFrame
  const where = frame.url.endsWith(bundle.split("/").pop()) ? moduleAt[frame.lineNumber] : frame.url || "(native)"
  if (node.selfSize > 0) {
    total += node.selfSize
    add(byModule, where, node.selfSize)
    add(byFunction, `${frame.functionName || "(anonymous)"} ${where}`, node.selfSize)
  }
  for (const child of node.children) visit(child)
}
visit(profile.head)
const perMemberSecond = (bytes) => bytes / seconds / Number(members) / 1024
console.log(
  `${seconds.toFixed(2)} s: ${(total / 2 ** 20).toFixed(1)} MiB sampled, ` +
    `${perMemberSecond(total).toFixed(1)} KiB per member-second; ${scavenges} scavenges, ${fullCollections} full`
)
const print = (title, map) => {
  console.log(`-- ${title} (share, KiB per member-second)`)
  for (const [key, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) {
    console.log(`${(100 * bytes / total).toFixed(1).padStart(5)}% ${perMemberSecond(bytes).toFixed(1).padStart(7)}  ${key}`)
  }
}
print("by module", byModule)
print("by function", byFunction)
