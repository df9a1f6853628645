/**
 * What merging a join's push/pull costs, both sides, without sockets
 * (docs/performance.md, "The push/pull merge"): the newcomer's half (read the
 * seed's answer of `--view` entries, then its core's step with it: the
 * checks, the merge, the join's completion and its greetings, which the step
 * only lists) and the seed's half (its core's step with the newcomer's
 * one-entry request: its answer's states and the one-entry merge). Cores are
 * stepped directly (`Core.step`), as the driver does; the outputs are counted
 * by kind, not performed (what the shell does with them is in the join
 * phase's profile). Compression on, as vs-memberlist runs.
 *
 * Warm (default): `--count` newcomers per round, each a fresh core that has
 * started and opened a join, merge the same answer; the seed, a core holding
 * `--view` members, answers a request `--count` times. Each part runs in a
 * loop of its own: its time (`performance.now`, this thread: the machine's
 * load shows in it) and the bytes it allocates on V8's heap (which the load
 * does not change). Medians (and the least time) of the rounds after the
 * first (a warm-up).
 *
 * With `--phase`, instead: what a join phase asks of a fresh process, once:
 * newcomers 1 to `--view` each read and merge an answer of the view as it
 * has grown to them (k(k-1)/2 entries in all), and the seed merges each one's
 * request. Prints the time in each part and the process's CPU (ms).
 * Run it several times, alternating builds. `--no-merge` leaves the
 * newcomers' steps out (the seed's, the encoding and the decoding stay): the
 * difference between the two, counted in instructions under
 * `valgrind --tool=callgrind` with `node --single-threaded` (the compiler
 * and the collector then run on the main thread, and the count repeats
 * within 0.3%), is what the merges cost a fresh process, whatever the load.
 *
 * Usage (bundled as bench/vs-child.ts is):
 *   node bench/.build/pushpull-merge-X.mjs [--view 100] [--count 300] [--rounds 7] [--phase [--no-merge]]
 */
import { Either } from "effect"
import * as V8 from "node:v8"
import { defaultVersions, lanTimings } from "../src/internal/swim/config.js"
import * as Core from "../src/internal/swim/core.js"
import type { Output } from "../src/internal/swim/io.js"
import type { Address, PushNodeState } from "../src/internal/swim/messages.js"
import { NodeState } from "../src/internal/swim/messages.js"
import type { CoreState } from "../src/internal/swim/state.js"
import { decodeStream, encodeStream } from "../src/internal/wire/stream.js"
import { wholeFlag } from "./flags.js"

const viewSize = wholeFlag("view", "100")
const joinPhase = process.argv.includes("--phase")
/** With `--phase`: everything but the newcomers' steps, so that a run without them tells what they cost. */
const withoutMerge = process.argv.includes("--no-merge")
const count = wholeFlag("count", "300")
const rounds = wholeFlag("rounds", "7")

const addressOf = (i: number): Address => ({ host: "127.0.0.1", port: 40000 + i })
const nameOf = (i: number): string => `m-${i}`
const empty = new Uint8Array(0)
const wrap = { compress: true }

/** A started core for member `i`; `now` is the virtual time of its start. */
const startedCore = (i: number, seed: number): CoreState => {
  const state = Core.make({
    config: { ...lanTimings, name: nameOf(i), address: addressOf(i), meta: empty, versions: defaultVersions },
    seed
  })
  Core.step(state, { _tag: "Start" }, 0)
  return state
}

/** The token of the join push/pull `state` opens with the seed (member 0). */
const openJoin = (state: CoreState, now: number): number => {
  const outputs = Core.step(state, { _tag: "Join", seeds: [addressOf(0)] }, now)
  for (const o of outputs) if (o._tag === "PushPullStart") return o.token
  throw new Error("the join opened no push/pull")
}

/** The answer's bytes, as the seed's stream writes them. */
const encodeAnswer = (states: ReadonlyArray<PushNodeState>): Uint8Array =>
  encodeStream({ _tag: "PushPull", join: true, states, userState: empty }, wrap)

/** Reads an encoded push/pull frame back as a member's stream does (frame checks, one decode). */
const readAnswer = (bytes: Uint8Array): ReadonlyArray<PushNodeState> => {
  const result = decodeStream(bytes)
  if (Either.isLeft(result) || result.right._tag !== "Complete" || result.right.message._tag !== "PushPull") {
    throw new Error("the answer did not read back")
  }
  return result.right.message.states
}

/** The newcomer's own entry, as its request carries it. */
const requestOf = (i: number): ReadonlyArray<PushNodeState> => [{
  name: nameOf(i),
  address: addressOf(i),
  meta: empty,
  incarnation: 1,
  state: NodeState.Alive,
  versions: defaultVersions
}]

const tally = new Map<string, number>()
const countOutputs = (outputs: ReadonlyArray<Output>): void => {
  for (const o of outputs) {
    const tag = o._tag === "Event" ? `Event:${o.event._tag}` : o._tag
    tally.set(tag, (tally.get(tag) ?? 0) + 1)
  }
}

/** The seed's step with newcomer `from`'s request: the states of its answer. */
const answerOf = (seed: CoreState, now: number, from: number): ReadonlyArray<PushNodeState> => {
  const outputs = Core.step(seed, {
    _tag: "PushPullRequest",
    from: addressOf(from),
    join: true,
    replyTo: from,
    states: requestOf(from)
  }, now)
  for (const o of outputs) {
    if (o._tag === "PushPullReply") return o.states
  }
  throw new Error("the seed did not answer")
}

const ms = (x: number) => Math.round(x * 100) / 100

if (joinPhase) {
  const time = { seedStep: 0, encode: 0, decode: 0, merge: 0 }
  const c0 = process.cpuUsage()
  const seed = startedCore(0, 1)
  let now = 1000
  for (let n = 1; n < viewSize; n++) {
    now += 5
    const newcomer = startedCore(n, n + 1)
    const token = openJoin(newcomer, now)
    const t0 = performance.now()
    const answer = answerOf(seed, now, n)
    const t1 = performance.now()
    const bytes = encodeAnswer(answer)
    const t2 = performance.now()
    const states = readAnswer(bytes)
    const t3 = performance.now()
    time.seedStep += t1 - t0
    time.encode += t2 - t1
    time.decode += t3 - t2
    if (withoutMerge) continue
    const outputs = Core.step(newcomer, { _tag: "PushPullResponse", token, states, userState: empty }, now)
    time.merge += performance.now() - t3
    countOutputs(outputs)
    if (newcomer.members.size !== n + 1) throw new Error(`newcomer ${n} holds ${newcomer.members.size} members, not ${n + 1}`)
  }
  const c = process.cpuUsage(c0)
  console.log(JSON.stringify({
    phase: true,
    view: viewSize,
    cpuMs: ms((c.user + c.system) / 1000),
    wallMs: Object.fromEntries(Object.entries(time).map(([k, v]) => [k, ms(v)])),
    newcomerOutputs: Object.fromEntries(tally)
  }))
  process.exit(0)
}

// Warm: a seed holding the view (member 0 and `viewSize - 1` others, learnt as a seed learns them).
const seed = startedCore(0, 1)
for (let i = 1; i < viewSize; i++) answerOf(seed, 1000, i)
if (seed.members.size !== viewSize) throw new Error(`the seed holds ${seed.members.size} members`)
const answerBytes = encodeAnswer(answerOf(seed, 1000, 1)).slice()

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? -1

/**
 * Runs `run(i)` for i below `count`; its time (µs per call, this thread) and the bytes it allocated on
 * V8's heap per call (used-heap growth plus what each collection freed, as pushpull-loop.ts reads them).
 * Bytes do not depend on the machine's load; the time does.
 */
const measure = (run: (i: number) => void): { readonly us: number; readonly bytes: number } => {
  const collections = new V8.GCProfiler()
  collections.start()
  const h0 = V8.getHeapStatistics().used_heap_size
  const t0 = performance.now()
  for (let i = 0; i < count; i++) run(i)
  const t1 = performance.now()
  const h1 = V8.getHeapStatistics().used_heap_size
  const freed = collections.stop().statistics.reduce(
    (sum, gc) => sum + gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize,
    0
  )
  return { us: ((t1 - t0) * 1000) / count, bytes: (h1 - h0 + freed) / count }
}

const parts = ["seedStep", "decode", "merge"] as const
const perCall = Object.fromEntries(parts.map((k) => [k, { us: [] as Array<number>, bytes: [] as Array<number> }]))
// Every newcomer has the same name (the seed never hears it): a new name each would grow the process's name
// interner, and with it each fresh table's first slot array, far past what a join phase sees.
let seedOfNext = viewSize + 1
for (let r = 0; r < rounds; r++) {
  // The newcomers, started and waiting on their join's push/pull, made before the parts are measured.
  const newcomers = Array.from({ length: count }, () => {
    const newcomer = startedCore(viewSize, seedOfNext++)
    return { newcomer, token: openJoin(newcomer, 1000) }
  })
  const decoded: Array<ReadonlyArray<PushNodeState>> = []
  const got = {
    // The seed answers a request from a member it already holds (so its view stays at `viewSize`).
    seedStep: measure((i) => {
      Core.step(seed, { _tag: "PushPullRequest", from: addressOf(1), join: true, replyTo: i, states: requestOf(1) }, 1000)
    }),
    decode: measure(() => {
      decoded.push(readAnswer(answerBytes))
    }),
    merge: measure((i) => {
      const { newcomer, token } = newcomers[i]!
      const outputs = Core.step(newcomer, { _tag: "PushPullResponse", token, states: decoded[i]!, userState: empty }, 1000)
      if (r === 0 && i === 0) countOutputs(outputs)
    })
  }
  for (const { newcomer } of newcomers) {
    if (newcomer.members.size !== viewSize + 1) throw new Error(`a newcomer holds ${newcomer.members.size} members`)
  }
  if (r === 0) continue // warm-up
  for (const k of parts) {
    perCall[k]!.us.push(got[k].us)
    perCall[k]!.bytes.push(got[k].bytes)
  }
}
console.log(JSON.stringify({
  view: viewSize,
  answerBytes: answerBytes.length,
  usPerCall: Object.fromEntries(parts.map((k) => [k, ms(median(perCall[k]!.us))])),
  usPerCallMin: Object.fromEntries(parts.map((k) => [k, ms(Math.min(...perCall[k]!.us))])),
  heapBytesPerCall: Object.fromEntries(parts.map((k) => [k, Math.round(median(perCall[k]!.bytes))])),
  newcomerOutputs: Object.fromEntries(tally)
}))
process.exit(0)
