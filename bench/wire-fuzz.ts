/**
 * The full wire fuzz: one million random and mutated packets and stream
 * frames (seeded from Go memberlist's fixtures and our own encodings) through
 * the decoders. Run: `npx tsx bench/wire-fuzz.ts [count] [seed]`.
 * Exits non-zero if anything throws or a rejection has an unknown reason.
 */
import { fuzz, fuzzSeeds } from "../test/internal/wire/fuzzCore.js"

const count = Number(process.argv[2] ?? 1_000_000)
const seed = Number(process.argv[3] ?? 1)
const start = performance.now()
const report = fuzz(fuzzSeeds(), count, seed)
const seconds = (performance.now() - start) / 1000
console.log(`wire fuzz: ${count} inputs in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s)`)
console.log(`accepted (incl. stream NeedMore): ${report.accepted}; thrown: ${report.thrown}; unknown reasons: ${report.unknownReasons}`)
console.log("| reason | rejections |\n|---|---:|")
for (const [r, n] of Object.entries(report.rejected).sort((a, b) => b[1] - a[1])) console.log(`| ${r} | ${n} |`)
if (report.thrown > 0 || report.unknownReasons > 0) process.exit(1)
