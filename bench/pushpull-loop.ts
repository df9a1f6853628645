/**
 * The wire's own cost of one join push/pull, both sides, without sockets
 * (docs/performance.md, "The cost of a push/pull"): the newcomer's request
 * (its one entry) is encoded as a member encodes it, read by the seed the way
 * an accepted stream is read (`readFrameNow` over an inbox: frame checks, one
 * decode, the read's timer), the seed's answer (a `--view`-entry view) is
 * encoded and read back by the newcomer the same way. Compression on, no
 * label, no encryption: the lan preset as vs-memberlist runs it.
 *
 * Per phase and round: CPU (`process.cpuUsage`: the whole process, so the
 * collector's own threads too, which is why no collection is forced between
 * rounds: its sweeping would land in the next round) and the bytes allocated on
 * V8's heap per call: the used heap's growth plus what each collection in the
 * round freed, read synchronously from `v8.GCProfiler` (a `PerformanceObserver`
 * hears of collections only after the loop). Off-heap buffers (typed arrays of
 * more than 64 bytes) are not in it. Prints one JSON line of medians over the
 * rounds after the first (a warm-up).
 *
 * With `--phase`, instead: what a join phase asks of a fresh process, whose
 * code is not yet optimized (the vs-memberlist join phase runs each of these
 * about a hundred times in all): newcomers 1 to `--view` each push/pull with
 * a seed whose view has grown to theirs, and the process's CPU for all of it
 * is printed (ms), once. Run it several times, alternating builds.
 *
 * Usage (bundled as bench/vs-child.ts is):
 *   node bench/.build/pushpull-loop-X.mjs
 *     [--view 100] [--count 4000] [--rounds 7] [--phase]
 */
import * as V8 from "node:v8"
import { readFrameNow } from "../src/internal/shell/streams.js"
import type { PushNodeState, Versions } from "../src/internal/swim/messages.js"
import { NodeState } from "../src/internal/swim/messages.js"
import type { ChunkSource } from "../src/internal/transport/chunkSource.js"
import { Inbox } from "../src/internal/transport/inbox.js"
import { encodeStream, type StreamMessage } from "../src/internal/wire/stream.js"
import { wholeFlag } from "./flags.js"

const viewSize = wholeFlag("view", "100")
const joinPhase = process.argv.includes("--phase")
const count = wholeFlag("count", "4000")
const rounds = wholeFlag("rounds", "7")

const versions: Versions = [1, 5, 2, 0, 0, 0]
const entry = (i: number): PushNodeState => ({
  name: `m-${i}`,
  address: { host: "127.0.0.1", port: 40000 + i },
  meta: new Uint8Array(0),
  incarnation: 1 + (i % 3),
  state: NodeState.Alive,
  versions
})
const view: ReadonlyArray<PushNodeState> = Array.from({ length: viewSize }, (_, i) => entry(i))
const newcomer = entry(viewSize)
const wrap = { compress: true }
const empty = new Uint8Array(0)

/** Reads one frame from `bytes` as an accepted (or dialled) stream does; throws on anything but a push/pull. */
const readBack = (bytes: Uint8Array): StreamMessage => {
  const inbox = new Inbox()
  inbox.push(bytes)
  const source: ChunkSource = { poll: () => inbox.poll(), wait: (ready) => inbox.wait(ready), writeNow: () => {}, answerAndClose: () => {} }
  let got: unknown = undefined
  readFrameNow(source, {}, 10_000, (outcome) => {
    got = outcome
  })
  if (typeof got !== "object" || got === null || (got as { _tag?: string })._tag !== "PushPull") {
    throw new Error(`the frame did not read back: ${String(got)}`)
  }
  return got as StreamMessage
}

if (joinPhase) {
  // Wall time per step as well (this thread's share: the CPU figure also counts the compiler's threads).
  const wall = { encodeRequest: 0, readRequest: 0, encodeAnswer: 0, readAnswer: 0 }
  const timed = <A>(step: keyof typeof wall, f: () => A): A => {
    const t0 = performance.now()
    const a = f()
    wall[step] += performance.now() - t0
    return a
  }
  const c0 = process.cpuUsage()
  for (let n = 1; n <= viewSize; n++) {
    const joiner = entry(1000 + n)
    const request = timed("encodeRequest", () => encodeStream({ _tag: "PushPull", join: true, states: [joiner], userState: empty }, wrap))
    timed("readRequest", () => readBack(request))
    const answer = timed("encodeAnswer", () => encodeStream({ _tag: "PushPull", join: true, states: view.slice(0, n), userState: empty }, wrap))
    timed("readAnswer", () => readBack(answer))
  }
  const c = process.cpuUsage(c0)
  const ms = (x: number) => Math.round(x * 100) / 100
  console.log(JSON.stringify({
    phase: true,
    view: viewSize,
    cpuMs: ms((c.user + c.system) / 1000),
    wallMs: Object.fromEntries(Object.entries(wall).map(([k, v]) => [k, ms(v)]))
  }))
  process.exit(0)
}

const phases = {
  /** The newcomer's request: its own entry. */
  encodeRequest: () => encodeStream({ _tag: "PushPull", join: true, states: [newcomer], userState: empty }, wrap),
  /** The seed's answer: its view. */
  encodeAnswer: () => encodeStream({ _tag: "PushPull", join: true, states: view, userState: empty }, wrap)
}
const request = phases.encodeRequest().slice()
const answer = phases.encodeAnswer().slice()
const work: Record<string, () => unknown> = {
  ...phases,
  readRequest: () => readBack(request),
  readAnswer: () => readBack(answer)
}

const cpuMicros = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? -1
const round = (x: number) => Math.round(x * 100) / 100

const results: Record<string, { usPerCall: number; bytesPerCall: number }> = {}
let sink = 0
for (const [name, run] of Object.entries(work)) {
  const us: Array<number> = []
  const bytes: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    const collections = new V8.GCProfiler()
    collections.start()
    const h0 = V8.getHeapStatistics().used_heap_size
    const c0 = cpuMicros()
    for (let i = 0; i < count; i++) if (run() !== undefined) sink++
    const c1 = cpuMicros()
    const h1 = V8.getHeapStatistics().used_heap_size
    const freed = collections.stop().statistics.reduce(
      (sum, gc) => sum + gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize,
      0
    )
    if (r === 0) continue // warm-up
    us.push((c1 - c0) / count)
    bytes.push((h1 - h0 + freed) / count)
  }
  results[name] = { usPerCall: round(median(us)), bytesPerCall: Math.round(median(bytes)) }
}
const total = Object.values(results).reduce((s, r) => s + r.usPerCall, 0)
console.log(JSON.stringify({
  view: viewSize,
  requestBytes: request.length,
  answerBytes: answer.length,
  ...results,
  usPerPushPull: round(total),
  calls: sink
}))
// Node timers the reads left behind (each read arms a deadline it clears on success): none should hold the process.
process.exit(0)
