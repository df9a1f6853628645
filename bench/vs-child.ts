/**
 * The TypeScript half of the side-by-side benchmark (`npm run bench -- --only
 * vs-memberlist`): N effect-memberlist members in this one Node process on
 * loopback UDP/TCP, measured exactly as bench/go/main.go measures N HashiCorp
 * memberlist members in one Go process. Prints one JSON line with the same
 * fields.
 *
 * Every member's transport is the Node transport wrapped by a counting one:
 * bytes sent (UDP datagrams and everything written on TCP streams, either
 * side) are counted per member, and outgoing datagrams can be dropped with a
 * probability (the loss scenario). The wrapper keeps the Node transport's
 * fast path (`BENCH_NO_FAST_PATH=1` drops it, as the wrapper did before).
 * Suspicions and deaths are the members' own
 * counters (`Memberlist.metrics.suspicions` / `deaths`: one per member that
 * marks another suspect or dead), summed over the process.
 *
 * Usage: node --expose-gc --import tsx bench/vs-child.ts --preset lan --n 50
 *   [--mode detect|loss] [--settle 2] [--window 10] [--loss 0.1]
 *   [--converge-limit 60] [--detect-limit 60] [--aligned false|true] [--extras false|true]
 *   [--join-only] [--warm-up]
 */
import { Context, Duration, Effect, Exit, Layer, Metric, Schema, Scope, Stream } from "effect"
import { loadavg } from "node:os"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { writeHeapSnapshot } from "node:v8"
import { runInNewContext } from "node:vm"
import * as Memberlist from "../src/Memberlist.js"
import * as SwimConfig from "../src/SwimConfig.js"
import * as Transport from "../src/Transport.js"
import { counterTotal, membersSeen } from "../src/internal/metricTotal.js"
import { packetsRateLimited } from "../src/internal/shell/guardMetrics.js"
import * as ChunkSource from "../src/internal/transport/chunkSource.js"
import * as FastPath from "../src/internal/transport/fastPath.js"
import * as StreamDialer from "../src/internal/transport/streamDialer.js"

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const preset = arg("preset", "lan")
const n = Number(arg("n", "50"))
const mode = arg("mode", "detect")
const settleS = Number(arg("settle", "2"))
const windowS = Number(arg("window", "10"))
const lossP = Number(arg("loss", "0.1"))
const convergeLimitS = Number(arg("converge-limit", "60"))
const detectLimitS = Number(arg("detect-limit", "60"))
/** `--shapes`: tally the steady and detecting windows' datagrams by wire shape (a debugging aid, off by default). */
const traceShapes = process.argv.includes("--shapes")
/** `--aligned false|true`: the probe schedule (docs/detection.md); unset: the library's default (aligned). */
const alignedProbing = process.argv.includes("--aligned") ? arg("aligned", "true") === "true" : undefined
/** `--extras false`: verification pings, the repeated direct ping and the coverage floor off (docs/detection.md). */
const extrasOff = process.argv.includes("--extras") && arg("extras", "true") === "false"
/** `--join-only` (or BENCH_JOIN_ONLY=1): print the start and join figures and stop. */
const joinOnly = process.argv.includes("--join-only") || process.env.BENCH_JOIN_ONLY === "1"
/** `--warm-up`: start, join and close N members before the measured ones (a warm process). */
const warmUp = process.argv.includes("--warm-up")

const gc: () => void = (() => {
  try {
    return runInNewContext("gc") as () => void
  } catch {
    return () => {}
  }
})()

// ---------------------------------------------------------------- counting, lossy transport

let lossPermille = 0
let rngState = 1
/** xorshift32, seeded: the same losses each run. */
const lose = (): boolean => {
  if (lossPermille === 0) return false
  rngState ^= rngState << 13
  rngState ^= rngState >>> 17
  rngState ^= rngState << 5
  return ((rngState >>> 0) % 1000) < lossPermille
}

interface Counter {
  /** Every byte sent: datagrams and stream writes. */
  bytes: number
  /** Datagrams sent. */
  packets: number
  /** Bytes written on streams (push/pull, TCP pings), a part of `bytes`. */
  streamBytes: number
  /** Stream dials that failed (refused or timed out): mostly TCP fallback pings of dead members. */
  dialFailures: number
}

const countConnection = (connection: Transport.Connection, counter: Counter): Transport.Connection => {
  tallyStream(0, 1)
  const countWrite = (bytes: Uint8Array) => {
    counter.bytes += bytes.length
    counter.streamBytes += bytes.length
    tallyStream(bytes.length, 0)
  }
  const counted: Transport.Connection = {
    remote: connection.remote,
    read: connection.read,
    close: connection.close,
    write: (bytes) => Effect.tap(connection.write(bytes), () => countWrite(bytes))
  }
  // The connection's side door (the shell reads frames and answers through it) is kept, its writes
  // counted: without it every stream would take the slower Effect path, which no Node member does.
  const source = ChunkSource.of(connection)
  if (source === undefined) return counted
  return ChunkSource.attach(counted, {
    poll: source.poll,
    wait: source.wait,
    writeNow: (bytes) => {
      countWrite(bytes)
      source.writeNow(bytes)
    },
    answerAndClose: (bytes) => {
      if (bytes !== undefined) countWrite(bytes)
      source.answerAndClose(bytes)
    }
  })
}

/** Counts a datagram about to be sent; true when the loss scenario drops it instead. */
const countDatagram = (bytes: Uint8Array, counter: Counter): boolean => {
  counter.bytes += bytes.length
  counter.packets++
  tallyShape(bytes)
  return lose()
}

/**
 * The Node transport wrapped by the counters. Its fast path (the callback
 * form the shell uses for the Node transport) is wrapped too: a wrapper
 * without it would make every member take the slower Effect path, which no
 * user of `Transport.layerNode` does.
 */
const counting = (inner: Transport.TransportShape, counter: Counter): Transport.TransportShape => {
  const shape: Transport.TransportShape = {
    boundAddress: inner.boundAddress,
    packets: inner.packets,
    sendPacket: (to, bytes) => Effect.suspend(() => countDatagram(bytes, counter) ? Effect.void : inner.sendPacket(to, bytes)),
    connections: Stream.map(inner.connections, (c) => countConnection(c, counter)),
    connect: (to, timeout) =>
      inner.connect(to, timeout).pipe(
        Effect.map((c) => countConnection(c, counter)),
        Effect.tapError(() => Effect.sync(() => counter.dialFailures++))
      )
  }
  const fast = FastPath.of(inner)
  if (fast === undefined || process.env.BENCH_NO_FAST_PATH === "1") return shape
  // Likewise the dialer the shell's push/pulls use in callbacks, its connections counted.
  const dialer = StreamDialer.of(inner)
  if (dialer !== undefined) {
    StreamDialer.attach(shape, {
      dial: (to, timeout, done) =>
        dialer.dial(to, timeout, (outcome) => {
          if (outcome instanceof Transport.TransportError) {
            counter.dialFailures++
            return done(outcome)
          }
          done(countConnection(outcome, counter))
        })
    })
  }
  return FastPath.attach(shape, {
    receive: fast.receive,
    accept: (accept) => fast.accept((c) => accept(countConnection(c, counter))),
    send: (to, bytes, done) => countDatagram(bytes, counter) ? queueMicrotask(() => done(undefined)) : fast.send(to, bytes, done)
  })
}

// ---------------------------------------------------------------- datagram shapes (--shapes)

const TYPE_NAMES: Record<number, string> = {
  0: "ping", 1: "indirectPing", 2: "ack", 3: "suspect", 4: "alive", 5: "dead", 6: "pushPull",
  7: "compound", 8: "user", 9: "compress", 10: "encrypt", 11: "nack", 12: "crc", 13: "err"
}

/**
 * A datagram's outer layers and message types, read without decompressing
 * ("crc+ping", "lzw", "compound[ack,alive]"): bench/go/main.go reads Go's the
 * same way, so the two tallies compare shape for shape.
 */
const shapeOf = (b: Uint8Array): string => {
  const layers: Array<string> = []
  let i = 0
  if (b[i] === 12) {
    layers.push("crc")
    i += 5
  }
  const type = b[i]
  if (type === 9) layers.push("lzw")
  else if (type === 7) {
    const count = b[i + 1] ?? 0
    const parts: Array<string> = []
    let at = i + 2 + 2 * count
    for (let k = 0; k < count && at < b.length; k++) {
      parts.push(TYPE_NAMES[b[at]!] ?? String(b[at]))
      at += ((b[i + 2 + 2 * k]! << 8) | b[i + 3 + 2 * k]!)
    }
    layers.push(`compound[${parts.join(",")}]`)
  } else layers.push(TYPE_NAMES[type ?? -1] ?? String(type))
  return layers.join("+")
}

let shapesOn = false
const shapes = new Map<string, { count: number; bytes: number }>()
const tallyShape = (b: Uint8Array): void => {
  if (!shapesOn) return
  const key = shapeOf(b)
  const entry = shapes.get(key) ?? { count: 0, bytes: 0 }
  entry.count++
  entry.bytes += b.length
  shapes.set(key, entry)
}

/** Stream ends opened (each exchange in this process counts both) and bytes written, under "stream". */
const tallyStream = (bytes: number, opened: number): void => {
  if (!shapesOn) return
  const entry = shapes.get("stream") ?? { count: 0, bytes: 0 }
  entry.count += opened
  entry.bytes += bytes
  shapes.set("stream", entry)
}

// ---------------------------------------------------------------- members

class Bench extends Memberlist.Tag("bench/VsMemberlist")<Bench, unknown>() {}

interface Member {
  readonly name: string
  readonly member: Memberlist.Memberlist<unknown>
  readonly scope: Scope.CloseableScope
  readonly counter: Counter
  readonly address: Transport.Address
}

const makeConfig = (name: string): SwimConfig.SwimConfigShape => {
  const options = {
    name,
    bindHost: "127.0.0.1",
    bindPort: 0,
    compression: true,
    ...(mode === "loss" ? { tcpPingFallback: false } : {}),
    ...(alignedProbing === undefined ? {} : { alignedProbing }),
    ...(extrasOff ? { verifySuspects: false, repeatDirectPing: false, coverageFloor: false } : {})
  }
  return preset === "local" ? SwimConfig.local(options) : SwimConfig.lan(options)
}

const start = (name: string) =>
  Effect.gen(function*() {
    const counter: Counter = { bytes: 0, packets: 0, streamBytes: 0, dialFailures: 0 }
    const scope = yield* Scope.make()
    // The one-layer composition README documents (Memberlist.layerNode), its transport counted.
    const context = yield* Layer.buildWithScope(
      Memberlist.layerNode(Bench, {
        messages: Schema.Unknown,
        leaveOnClose: false,
        config: makeConfig(name),
        transport: Effect.map(Transport.makeNode({ host: "127.0.0.1", port: 0 }), (t) => counting(t, counter))
      }),
      scope
    )
    const member = Context.get(context, Bench)
    const address = (yield* member.localMember).address
    return { name, member, scope, counter, address } satisfies Member
  })

/** Summed over the members in this process (each member has its own series). */
const count = (metric: Metric.Metric.Counter<number>) => counterTotal(metric)
/** Drops and refusals summed over the members, by metric: what the shell threw away while detecting. */
const dropCounts = Effect.gen(function*() {
  const metrics = {
    coreDropped: Memberlist.metrics.coreDropped,
    outboxDropped: Memberlist.metrics.outboxDropped,
    deliveryDropped: Memberlist.metrics.deliveryDropped,
    decodeRejected: Memberlist.metrics.decodeRejected,
    rateLimited: packetsRateLimited,
    streamsRefused: Memberlist.metrics.streamsRefused
  }
  const totals: Record<string, number> = {}
  for (const [k, metric] of Object.entries(metrics)) totals[k] = yield* count(metric)
  return totals
})
const bytesOf = (members: ReadonlyArray<Member>) => {
  let bytes = 0
  let packets = 0
  let streamBytes = 0
  let dialFailures = 0
  for (const m of members) {
    bytes += m.counter.bytes
    packets += m.counter.packets
    streamBytes += m.counter.streamBytes
    dialFailures += m.counter.dialFailures
  }
  return { bytes, packets, streamBytes, dialFailures }
}
const median = (xs: ReadonlyArray<number>): number => {
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.floor((v.length - 1) / 2)] ?? -1
}
const round = (x: number) => Math.round(x * 1000) / 1000
const cpuMillis = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const systemCpuMillis = () => process.cpuUsage().system / 1000

/** Starts N members one after another, each joining the first as soon as it started. */
const startAndJoin = (prefix: string) =>
  Effect.gen(function*() {
    const members: Array<Member> = []
    const starts: Array<number> = []
    const joins: Array<number> = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      const m = yield* start(`${prefix}${i}`)
      starts.push(performance.now() - t0)
      members.push(m)
      if (i === 0) continue
      const t1 = performance.now()
      yield* m.member.join([members[0]!.address])
      joins.push(performance.now() - t1)
    }
    return { members, starts, joins }
  })

const program = Effect.gen(function*() {
  const out: Record<string, unknown> = { impl: "ts", preset, n, mode }

  // ---- start and join, one member after another
  // --warm-up: a first cluster of N is started, joined and closed before the measured one, so that the
  // measured join phase runs on code the JIT has already compiled (the Go child's --warm-up does the same).
  if (warmUp) {
    const w0 = performance.now()
    const warm = yield* startAndJoin("warm-")
    out.warmUpJoinPhaseMs = round(performance.now() - w0)
    for (const m of warm.members) yield* Scope.close(m.scope, Exit.void)
    yield* Effect.sleep(Duration.seconds(1))
    gc()
  }
  const began = performance.now()
  const beganCpu = cpuMillis()
  const { joins, members, starts } = yield* startAndJoin("ts-")
  const joined = performance.now()
  out.startMsMedian = round(median(starts))
  out.joinMsMedian = round(median(joins))
  out.allJoinedMs = round(joined - began)
  out.joinPhaseCpuMs = round(cpuMillis() - beganCpu)
  // --join-only: print the start and join figures and stop, for bisecting join() latency.
  if (joinOnly) {
    console.log(JSON.stringify(out))
    process.exit(0)
  }

  // ---- convergence: when each member first sees all N
  const converged: Array<number> = members.map(() => -1)
  let left = n
  while (left > 0 && performance.now() - joined < convergeLimitS * 1000) {
    for (let i = 0; i < n; i++) {
      if (converged[i]! >= 0) continue
      const view = yield* members[i]!.member.members
      if (view.length === n) {
        converged[i] = performance.now() - joined
        left--
      }
    }
    if (left > 0) yield* Effect.sleep(Duration.millis(100))
  }
  if (left === 0) {
    out.convergeMedianMs = round(median(converged))
    out.convergeLastMs = round(Math.max(...converged))
  } else {
    out.convergeMedianMs = null
    out.convergeLastMs = null
    out.notConverged = left
  }

  yield* Effect.sleep(Duration.seconds(settleS))

  if (mode === "loss") {
    const s0 = yield* count(Memberlist.metrics.suspicions)
    const d0 = yield* count(Memberlist.metrics.deaths)
    const b0 = bytesOf(members)
    lossPermille = Math.round(lossP * 1000)
    const w0 = performance.now()
    yield* Effect.sleep(Duration.seconds(windowS))
    const secs = (performance.now() - w0) / 1000
    lossPermille = 0
    const b1 = bytesOf(members)
    out.lossWindowS = round(secs)
    out.falseSuspicions = (yield* count(Memberlist.metrics.suspicions)) - s0
    out.falseDeaths = (yield* count(Memberlist.metrics.deaths)) - d0
    out.lossBytesPerMemberSecond = round((b1.bytes - b0.bytes) / secs / n)
    out.lossPacketsPerMemberSecond = round((b1.packets - b0.packets) / secs / n)
  } else {
    // ---- steady window, after a full collection and a second for its sweeping to end
    gc()
    yield* Effect.sleep(Duration.seconds(1))
    const c0 = cpuMillis()
    const k0 = systemCpuMillis()
    const b0 = bytesOf(members)
    const w0 = performance.now()
    shapesOn = traceShapes
    yield* Effect.sleep(Duration.seconds(windowS))
    shapesOn = false
    const secs = (performance.now() - w0) / 1000
    const c1 = cpuMillis()
    const k1 = systemCpuMillis()
    const b1 = bytesOf(members)
    out.steadyWindowS = round(secs)
    out.steadyCpuMsPerMemberSecond = round((c1 - c0) / secs / n)
    out.steadySystemCpuMsPerMemberSecond = round((k1 - k0) / secs / n)
    out.steadyBytesPerMemberSecond = round((b1.bytes - b0.bytes) / secs / n)
    out.steadyPacketsPerMemberSecond = round((b1.packets - b0.packets) / secs / n)
    out.steadyStreamBytesPerMemberSecond = round((b1.streamBytes - b0.streamBytes) / secs / n)
    if (traceShapes) out.steadyShapes = Object.fromEntries(shapes)
    shapes.clear()
    gc()
    const memory = process.memoryUsage()
    out.heapMiB = round(memory.heapUsed / 2 ** 20)
    out.heapTotalMiB = round(memory.heapTotal / 2 ** 20)
    out.externalMiB = round(memory.external / 2 ** 20)
    out.rssMiB = round(memory.rss / 2 ** 20)
    out.arrayBuffersMiB = round(memory.arrayBuffers / 2 ** 20)
    // BENCH_HEAP_SNAPSHOT=path: write a heap snapshot of the steady state, after the full collection above.
    if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT)
    out.steadySuspicions = yield* count(Memberlist.metrics.suspicions)
    out.steadyDeaths = yield* count(Memberlist.metrics.deaths)

    // ---- kill 10%: stop without a leave
    const doomed = members.filter((_, i) => i % 10 === 5)
    const survivors = members.filter((_, i) => i % 10 !== 5)
    const victims = new Set(doomed.map((m) => m.name))
    const s0 = yield* count(Memberlist.metrics.suspicions)
    const sb0 = bytesOf(survivors)
    const drops0 = yield* dropCounts
    const gone = new Map<string, number>()
    // How late the event loop ran while detecting: 100 members share one thread, and on a loaded machine
    // a late timer is a late probe and a late ack, which another member may take for a failure.
    const lag = monitorEventLoopDelay({ resolution: 10 })
    lag.enable()
    const killed = performance.now()
    shapesOn = traceShapes
    yield* Effect.forEach(doomed, (m) => Scope.close(m.scope, Exit.void), { concurrency: "unbounded", discard: true })
    out.killed = doomed.length
    let firstSuspicion = -1
    // Polled every 10 ms: the member names are taken once, not from a snapshot of every metric per poll
    // (about 200 KiB of garbage each, which raised the detection phase's peak RSS; Go reads an atomic).
    const seriesNames = membersSeen()
    const done = survivors.map(() => false)
    let remaining = survivors.length
    let lastPoll = -Infinity
    while (remaining > 0 && performance.now() - killed < detectLimitS * 1000) {
      if (firstSuspicion < 0 && (yield* counterTotal(Memberlist.metrics.suspicions, seriesNames)) > s0) {
        firstSuspicion = performance.now() - killed
      }
      if (performance.now() - lastPoll >= 100) {
        lastPoll = performance.now()
        const seen = new Set<string>()
        for (let i = 0; i < survivors.length; i++) {
          if (done[i]) continue
          const view = yield* survivors[i]!.member.members
          for (const m of view) if (victims.has(m.name)) seen.add(m.name)
          if (!view.some((m) => victims.has(m.name))) {
            done[i] = true
            remaining--
          }
        }
        for (const v of victims) if (!seen.has(v) && !gone.has(v)) gone.set(v, performance.now() - killed)
      }
      yield* Effect.sleep(Duration.millis(10))
    }
    const detected = performance.now() - killed
    shapesOn = false
    if (traceShapes) out.detectShapes = Object.fromEntries(shapes)
    lag.disable()
    out.detectLoopDelayP99Ms = round(lag.percentile(99) / 1e6)
    out.detectLoopDelayMaxMs = round(lag.max / 1e6)
    out.loadAverage1m = round(loadavg()[0] ?? 0)
    out.detectSuspicions = (yield* count(Memberlist.metrics.suspicions)) - s0
    const sb1 = bytesOf(survivors)
    out.firstSuspicionMs = round(firstSuspicion)
    if (remaining === 0) {
      out.lastDeadMs = round(detected)
    } else {
      out.lastDeadMs = null
      out.undetected = remaining
    }
    out.detectBytesPerMemberSecond = round((sb1.bytes - sb0.bytes) / (detected / 1000) / survivors.length)
    out.detectPacketsPerMemberSecond = round((sb1.packets - sb0.packets) / (detected / 1000) / survivors.length)
    out.detectStreamBytesPerMemberSecond = round((sb1.streamBytes - sb0.streamBytes) / (detected / 1000) / survivors.length)
    out.detectDialFailures = sb1.dialFailures - sb0.dialFailures
    // When every survivor had each victim out of its view, in kill order of detection.
    out.victimGoneMs = [...gone.values()].sort((a, b) => a - b).map(round)
    const drops1 = yield* dropCounts
    out.detectDrops = Object.fromEntries(Object.entries(drops1).map(([k, v]) => [k, v - (drops0[k] ?? 0)]))
  }

  out.maxRssMiB = round(process.resourceUsage().maxRSS / 1024)
  return out
})

Effect.runPromise(program).then(
  (out) => {
    process.stdout.write(JSON.stringify(out) + "\n")
    // No leave, no shutdown: the process ends here, as the Go side's does.
    process.exit(0)
  },
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
