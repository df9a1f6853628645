/**
 * Runs a `Scenario` to a `SimulationReport`: builds the cluster, plays the
 * join and the actions on virtual time, and gathers the statistics. Pure
 * apart from reading the wall clock for the (separate) timing figures: the
 * report's `result` is a function of the scenario alone.
 *
 * @internal
 */
import type { MessageSizer } from "../swim/config.js"
import { estimateSize } from "../swim/estimateSize.js"
import { makeRng, nextInt, type Rng } from "../swim/random.js"
import { messageSize } from "../wire/messages.js"
import { type Accuracy, SimulatedCluster, type SimNode } from "./cluster.js"
import { hashUnit, sample, sampleFrom } from "./network.js"
import { type Action, formatAction, presetTimings, replayCommand, type Scenario } from "./scenario.js"
import { ViewTracker } from "./tracker.js"

/** One sample of the convergence curve. */
export interface CurvePoint {
  /** Virtual time, ms since the start of the run (the join). */
  readonly t: number
  /** Fraction of up nodes whose view is entirely correct. */
  readonly converged: number
  /** Fraction of correct (up observer, subject) view entries. */
  readonly correct: number
  /** Nodes up. */
  readonly up: number
  /** Packets and bytes sent per up node per second since the previous sample. */
  readonly packetsPerNodeSecond: number
  readonly bytesPerNodeSecond: number
}

/** How one failure (kill or leave) was detected, in ms after it happened. */
export interface DetectionReport {
  readonly node: string
  readonly kind: "kill" | "leave"
  /** When it happened, ms since the run started. */
  readonly at: number
  readonly firstSuspicion: number | undefined
  /** The first node to mark it dead (or left). */
  readonly first: number | undefined
  /** The last up node to mark it dead (or left, or forget it): undefined if some never did. */
  readonly last: number | undefined
}

/** Convergence after one action, in ms after it. */
export interface ActionReport {
  readonly action: string
  /** When the disruption ended (the action itself, or its heal/resume/restart), ms since the run started. */
  readonly at: number
  /** Time from `at` until every up node had a fully correct view again; undefined if never within the run. */
  readonly reconverged: number | undefined
}

/** Traffic, per up node per second, over the measured window. */
export interface TrafficReport {
  readonly packetsPerNodeSecond: number
  readonly bytesPerNodeSecond: number
  /** The busiest node's packets and bytes per second. */
  readonly maxPacketsPerNodeSecond: number
  readonly maxBytesPerNodeSecond: number
  /** Stream exchanges (push/pull, stream pings) per node per second, and their approximate bytes. */
  readonly streamsPerNodeSecond: number
  readonly streamBytesPerNodeSecond: number
  readonly packetsSent: number
  readonly packetsLost: number
}

/** Everything a run measured; a function of the scenario alone (same scenario, same result). */
export interface SimulationResult {
  /** When the join storm converged: the median node's and the last node's full view, ms from the start. */
  readonly join: {
    readonly medianNode: number | undefined
    readonly worstNode: number | undefined
    /** Nodes without a full view at the end of the settle window. */
    readonly unconverged: number
  }
  /** When the actions' clock started (the join settled, or 0). */
  readonly scenarioStart: number
  readonly end: number
  readonly detections: ReadonlyArray<DetectionReport>
  readonly actions: ReadonlyArray<ActionReport>
  readonly accuracy: Accuracy
  readonly falseDeathLog: ReadonlyArray<{ readonly at: number; readonly observer: string; readonly subject: string; readonly from: string }>
  readonly traffic: TrafficReport
  readonly curve: ReadonlyArray<CurvePoint>
  /** At the end: fraction of up nodes with a full view. */
  readonly finalConverged: number
  readonly upAtEnd: number
}

/** A run: the scenario, the exact command to replay it, what it measured and how long it took. */
export interface SimulationReport {
  readonly scenario: Scenario
  readonly command: string
  readonly result: SimulationResult
  /** Wall-clock figures: not part of the deterministic result. */
  readonly wall: {
    readonly ms: number
    readonly virtualMs: number
    /** Simulated node-seconds per wall second. */
    readonly nodeSecondsPerSecond: number
    readonly peakRssBytes: number
  }
}

interface Timed {
  readonly at: number
  readonly seq: number
  readonly run: () => void
}

const nodeName = (i: number) => `node-${i}`

/** Picks `count` distinct random indices in [1, n) (never the seed, node-0), among those `ok`. */
const pick = (rng: Rng, n: number, count: number, ok: (i: number) => boolean): Array<number> => {
  const candidates: Array<number> = []
  for (let i = 1; i < n; i++) if (ok(i)) candidates.push(i)
  const chosen: Array<number> = []
  while (chosen.length < count && candidates.length > 0) {
    const j = nextInt(rng, candidates.length)
    chosen.push(candidates[j] as number)
    candidates[j] = candidates[candidates.length - 1] as number
    candidates.pop()
  }
  return chosen
}

/** Runs `scenario` to completion. Deterministic: the same scenario gives the same `result`. */
export const runScenario = (scenario: Scenario, command?: string): SimulationReport => {
  const wallStart = performance.now()
  const extra = scenario.actions.reduce((n, a) => (a._tag === "Join" ? n + a.count : n), 0)
  const total = scenario.nodes + extra
  const tracker = new ViewTracker(total)
  const sizeOf: MessageSizer = scenario.sizer === "codec" ? messageSize : estimateSize
  const net = scenario.network
  const actionRng = makeRng((scenario.seed ^ 0x5eed5eed) >>> 0)
  const linkSeed = (scenario.seed ^ 0x11c4) >>> 0
  const linkLatency = net.linkLatency
  const cluster = new SimulatedCluster({
    seed: scenario.seed,
    timings: { ...presetTimings(scenario.preset), ...scenario.overrides },
    sizeOf,
    tracker,
    network: {
      latency: (r) => sample(net.latency, r),
      loss: net.loss,
      streamTimeout: net.streamTimeout,
      linkLatency: linkLatency === undefined
        ? undefined
        : (a, b) => sampleFrom(linkLatency, hashUnit(linkSeed, a, b), hashUnit(linkSeed ^ 0xabcdef, a, b))
    }
  })
  cluster.recordEvents = false
  for (let i = 0; i < total; i++) {
    cluster.addNode(nodeName(i))
    if (net.bandwidth !== undefined) cluster.setBandwidth(nodeName(i), net.bandwidth)
  }

  // ---- the join storm
  cluster.start(nodeName(0))
  for (let i = 1; i < scenario.nodes; i++) cluster.start(nodeName(i), [nodeName(0)])
  tracker.startPhase(0)

  const sampleEvery = scenario.sampleEvery > 0
    ? scenario.sampleEvery
    : Math.max(100, Math.round((scenario.duration + (scenario.settle ? 30_000 : 0)) / 400 / 100) * 100)
  const curve: Array<CurvePoint> = []
  let lastPackets = 0
  let lastBytes = 0
  let lastSampleAt = 0
  const takeSample = () => {
    const dt = (cluster.now - lastSampleAt) / 1000
    const up = tracker.upCount
    curve.push({
      t: cluster.now,
      converged: tracker.convergedFraction(),
      correct: tracker.correctFraction(),
      up,
      packetsPerNodeSecond: dt > 0 && up > 0 ? (cluster.stats.packetsSent - lastPackets) / dt / up : 0,
      bytesPerNodeSecond: dt > 0 && up > 0 ? (cluster.stats.bytesSent - lastBytes) / dt / up : 0
    })
    lastPackets = cluster.stats.packetsSent
    lastBytes = cluster.stats.bytesSent
    lastSampleAt = cluster.now
  }
  takeSample()

  /** Runs to `until`, sampling on the way. */
  const advance = (until: number, stopWhen?: () => boolean) => {
    while (cluster.now < until) {
      const next = Math.min(until, (Math.floor(cluster.now / sampleEvery) + 1) * sampleEvery)
      cluster.runUntil(next)
      if (cluster.now % sampleEvery === 0) takeSample()
      if (stopWhen !== undefined && stopWhen()) return
    }
  }

  let scenarioStart = 0
  if (scenario.settle) {
    advance(scenario.settleLimit, () => tracker.allConvergedAt !== undefined)
    scenarioStart = tracker.allConvergedAt ?? cluster.now
    if (cluster.now < scenarioStart) advance(scenarioStart)
  }
  const joinTimes = Array.from(tracker.convergedAt.subarray(0, scenario.nodes)).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b)
  const join = {
    medianNode: joinTimes.length > 0 ? joinTimes[Math.floor((joinTimes.length - 1) / 2)] : undefined,
    worstNode: joinTimes.length === scenario.nodes ? joinTimes[joinTimes.length - 1] : undefined,
    unconverged: scenario.nodes - joinTimes.length
  }

  // Accuracy and traffic count from the scenario's start.
  const acc = cluster.accuracy
  for (const k of Object.keys(acc) as Array<keyof Accuracy>) acc[k] = 0
  cluster.falseDeathLog.length = 0
  const trafficFrom = { packets: cluster.stats.packetsSent, lost: cluster.stats.packetsLost, streams: 0, streamBytes: 0 }
  const perNodeAtStart = { packets: cluster.traffic.packets.slice(), bytes: cluster.traffic.bytes.slice() }
  for (let i = 0; i < total; i++) {
    trafficFrom.streams += cluster.traffic.streams[i] as number
    trafficFrom.streamBytes += cluster.traffic.streamBytes[i] as number
  }
  let upNodeMs = 0
  const end = scenarioStart + scenario.duration

  // ---- the actions, as a timeline of callbacks
  const timeline: Array<Timed> = []
  let seq = 0
  const at = (t: number, run: () => void) => timeline.push({ at: scenarioStart + t, seq: seq++, run })
  const marks: Array<{ action: string; at: number; reconverged: number | undefined }> = []
  const mark = (label: string) => () => {
    marks.push({ action: label, at: cluster.now, reconverged: undefined })
    tracker.startPhase(cluster.now)
  }
  const isFree = new Uint8Array(total).fill(1)
  let nextJoiner = scenario.nodes
  const busy = (i: number) => isFree[i] === 0 || !(cluster.list[i] as SimNode).running
  const choose = (count: number) => {
    const chosen = pick(actionRng, scenario.nodes + (nextJoiner - scenario.nodes), count, (i) => !busy(i))
    for (const i of chosen) isFree[i] = 0
    return chosen
  }
  const release = (xs: ReadonlyArray<number>) => {
    for (const i of xs) isFree[i] = 1
  }
  const plan = (a: Action) => {
    const label = formatAction(a)
    switch (a._tag) {
      case "Kill":
        at(a.at, () => {
          for (const i of choose(a.count)) cluster.kill(nodeName(i))
          mark(label)()
        })
        return
      case "Leave":
        at(a.at, () => {
          for (const i of choose(a.count)) cluster.leave(nodeName(i))
          mark(label)()
        })
        return
      case "Join":
        at(a.at, () => {
          for (let k = 0; k < a.count; k++) cluster.start(nodeName(nextJoiner++), [nodeName(0)])
          mark(label)()
        })
        return
      case "RollingRestart": {
        const count = a.count === 0 ? scenario.nodes - 1 : a.count
        at(a.at, () => {
          const order = choose(count)
          order.forEach((i, k) => {
            const name = nodeName(i)
            at(a.at + k * a.every, () => cluster.kill(name))
            at(a.at + k * a.every + a.downtime, () => {
              cluster.restart(name, [nodeName(0)])
              release([i])
              mark(`${label} (${name} back)`)()
            })
          })
        })
        return
      }
      case "Partition":
        at(a.at, () => {
          const side = choose(Math.max(1, Math.round(scenario.nodes * a.fraction)))
          cluster.partition([side.map(nodeName)])
          if (a.duration > 0) {
            at(a.at + a.duration, () => {
              cluster.heal()
              if (a.rejoin) {
                for (const i of side) if ((cluster.list[i] as SimNode).running) cluster.join(nodeName(i), [nodeName(0)])
              }
              release(side)
              mark(`${label} (healed)`)()
            })
          }
        })
        return
      case "Flap":
        at(a.at, () => {
          const ends = choose(2 * a.count)
          const pairs: Array<readonly [string, string]> = []
          for (let k = 0; k + 1 < ends.length; k += 2) pairs.push([nodeName(ends[k] as number), nodeName(ends[k + 1] as number)])
          const half = a.period / 2
          let down = false
          for (let t = 0; t < a.duration; t += half) {
            const cut: boolean = !down
            down = cut
            at(a.at + t, () => {
              for (const [x, y] of pairs) cluster.setLinkBlocked(x, y, cut)
            })
          }
          at(a.at + a.duration, () => {
            for (const [x, y] of pairs) cluster.setLinkBlocked(x, y, false)
            release(ends)
            mark(`${label} (steady)`)()
          })
        })
        return
      case "Loss":
        at(a.at, () => {
          cluster.setLoss(a.loss)
          mark(label)()
        })
        if (a.duration > 0) {
          at(a.at + a.duration, () => {
            cluster.setLoss(net.loss)
            mark(`${label} (over)`)()
          })
        }
        return
      case "AsymmetricLoss":
        at(a.at, () => {
          const chosen = choose(a.count)
          for (const i of chosen) cluster.setNodeLoss(nodeName(i), { [a.direction]: a.loss })
          mark(label)()
          if (a.duration > 0) {
            at(a.at + a.duration, () => {
              for (const i of chosen) cluster.setNodeLoss(nodeName(i), { [a.direction]: 0 })
              release(chosen)
              mark(`${label} (over)`)()
            })
          }
        })
        return
      case "Pause":
        at(a.at, () => {
          const chosen = choose(a.count)
          for (const i of chosen) cluster.pause(nodeName(i))
          at(a.at + a.duration, () => {
            for (const i of chosen) cluster.resume(nodeName(i), a.order)
            release(chosen)
            mark(`${label} (resumed)`)()
          })
        })
        return
    }
  }
  for (const a of scenario.actions) plan(a)

  // ---- play the timeline
  const resolveMarks = () => {
    if (tracker.allConvergedAt === undefined) return
    for (const m of marks) {
      if (m.reconverged === undefined && tracker.allConvergedAt >= m.at) m.reconverged = tracker.allConvergedAt - m.at
    }
  }
  const nextTimed = (): Timed | undefined => {
    let best: Timed | undefined
    for (const t of timeline) if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t
    return best
  }
  for (;;) {
    const next = nextTimed()
    const until = next === undefined || next.at > end ? end : next.at
    const before = cluster.now
    advance(until)
    upNodeMs += (cluster.now - before) * tracker.upCount
    resolveMarks()
    if (next === undefined || next.at > end) break
    timeline.splice(timeline.indexOf(next), 1)
    next.run()
    resolveMarks()
  }
  if (curve.length === 0 || (curve[curve.length - 1] as CurvePoint).t !== cluster.now) takeSample()

  // ---- statistics
  const windowSeconds = Math.max(upNodeMs / 1000, 1e-9)
  let maxPackets = 0
  let maxBytes = 0
  let streams = -trafficFrom.streams
  let streamBytes = -trafficFrom.streamBytes
  const span = Math.max((cluster.now - scenarioStart) / 1000, 1e-9)
  for (let i = 0; i < total; i++) {
    const p = ((cluster.traffic.packets[i] as number) - (perNodeAtStart.packets[i] ?? 0)) / span
    const b = ((cluster.traffic.bytes[i] as number) - (perNodeAtStart.bytes[i] ?? 0)) / span
    if (p > maxPackets) maxPackets = p
    if (b > maxBytes) maxBytes = b
    streams += cluster.traffic.streams[i] as number
    streamBytes += cluster.traffic.streamBytes[i] as number
  }
  const packets = cluster.stats.packetsSent - trafficFrom.packets
  let bytes = 0
  for (let i = 0; i < total; i++) bytes += (cluster.traffic.bytes[i] as number) - (perNodeAtStart.bytes[i] ?? 0)
  const detections: Array<DetectionReport> = tracker.detections.map((d) => ({
    node: nodeName(d.subject),
    kind: d.kind,
    at: d.at,
    firstSuspicion: d.firstSuspectAt === undefined ? undefined : d.firstSuspectAt - d.at,
    first: d.firstDeadAt === undefined ? undefined : d.firstDeadAt - d.at,
    last: d.allAt === undefined ? undefined : d.allAt - d.at
  }))
  const result: SimulationResult = {
    join,
    scenarioStart,
    end: cluster.now,
    detections,
    actions: marks.map((m) => ({ action: m.action, at: m.at, reconverged: m.reconverged })),
    accuracy: { ...cluster.accuracy },
    falseDeathLog: cluster.falseDeathLog.slice(),
    traffic: {
      packetsPerNodeSecond: packets / windowSeconds,
      bytesPerNodeSecond: bytes / windowSeconds,
      maxPacketsPerNodeSecond: maxPackets,
      maxBytesPerNodeSecond: maxBytes,
      streamsPerNodeSecond: streams / windowSeconds,
      streamBytesPerNodeSecond: streamBytes / windowSeconds,
      packetsSent: packets,
      packetsLost: cluster.stats.packetsLost - trafficFrom.lost
    },
    curve,
    finalConverged: tracker.convergedFraction(),
    upAtEnd: tracker.upCount
  }
  const wallMs = performance.now() - wallStart
  const nodeMs = upNodeMs + joinNodeMs(curve, scenarioStart)
  return {
    scenario,
    command: command ?? replayCommand(scenario),
    result,
    wall: {
      ms: wallMs,
      virtualMs: cluster.now,
      nodeSecondsPerSecond: nodeMs / 1000 / (wallMs / 1000),
      peakRssBytes: process.resourceUsage().maxRSS * 1024
    }
  }
}

/** Node-milliseconds simulated before `until`, from the curve's up counts. */
const joinNodeMs = (curve: ReadonlyArray<CurvePoint>, until: number): number => {
  let ms = 0
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as CurvePoint
    const b = curve[i] as CurvePoint
    if (b.t > until) break
    ms += (b.t - a.t) * a.up
  }
  return ms
}

