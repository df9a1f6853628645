/**
 * The scenarios of the host fault suite, apart from the test runner so that
 * the same code drives our members (test/hosts/faults.test.ts) and Go
 * memberlist peers (bench/hostsGo.ts, the reference). Each scenario injects
 * one fault into a whole cluster, measures, and returns its figures with the
 * checks the suite asserts (the runner decides what a failed check means).
 * Bounds are in probe intervals P.
 */
import { type Cluster, indexOf, type Line, memberName, sleep, waitUntil } from "./cluster.js"

/** What one scenario measured, in ms from the fault (or its end, for recovery). */
export interface Figures {
  scenario: string
  fault: string
  detectFirstMs?: number | undefined
  detectAllMs?: number | undefined
  failedAllMs?: number | undefined
  recoveryMs?: number | undefined
  falseFailures: number
  notes: Array<string>
}

/** One assertion of the suite: `defined` wants a value, `empty` an empty list. */
export type Check =
  | { readonly kind: "defined"; readonly label: string; readonly value: unknown }
  | { readonly kind: "empty"; readonly label: string; readonly value: ReadonlyArray<string> }

export interface Outcome {
  readonly figures: Figures
  readonly checks: ReadonlyArray<Check>
}

/** Whether a check holds. */
export const holds = (c: Check): boolean => c.kind === "defined" ? c.value !== undefined : c.value.length === 0

/** The cluster and network a scenario runs on (built and whole before it starts). */
export interface Setting {
  readonly cluster: Cluster
  readonly count: number
  /** Members 0..half-1 sit on one bridge, the others on the other. */
  readonly half: number
  /** Probe interval in ms. */
  readonly P: number
}

export interface Scenario {
  readonly id: number
  readonly title: string
  readonly run: (s: Setting) => Promise<Outcome>
}

/** Watched for false failures after the view is full again, in P. */
const SETTLE_P = 3

const others = (s: Setting, k: number) => Array.from({ length: s.count }, (_, i) => i).filter((i) => i !== k)

/**
 * `failed` lines in which both the observer and the subject were healthy
 * (`affected(observer, subject)` says whether the fault touched that pair).
 */
const falseFailures = (lines: ReadonlyArray<Line>, affected: (observer: number, subject: number) => boolean) =>
  lines.filter((l) => l.event === "failed" && l.name !== undefined && !affected(l.observer, indexOf(l.name)))

const show = (start: number) => (l: Line) =>
  `${memberName(l.observer)} saw ${l.name} ${l.event}${l.by ? ` (by ${l.by})` : ""} at +${l.t - start} ms`

/** Every scenario starts from a full view (bounded), so one failed scenario does not spoil the next unnoticed; the start. */
export const fullViewFirst = async ({ cluster, P }: Setting): Promise<number> => {
  const ok = await waitUntil(() => cluster.fullView(), 30 * P)
  if (ok === undefined) throw new Error(`the cluster is not whole before the scenario: ${cluster.describeViews()}`)
  await sleep(P)
  return Date.now()
}

/** Waits (bounded) until every member in `observers` has printed one of `events` about `subject` since `from`; the moment, or undefined. */
const allSaw = (
  cluster: Cluster,
  from: number,
  observers: ReadonlyArray<number>,
  events: ReadonlyArray<string>,
  subject: number,
  timeoutMs: number
) =>
  waitUntil(() => observers.every((o) => cluster.firstAfter(from, o, events, subject) !== undefined), timeoutMs).then((done) =>
    done === undefined ? undefined : Math.max(...observers.map((o) => cluster.firstAfter(from, o, events, subject)!))
  )

const firstSaw = (cluster: Cluster, from: number, observers: ReadonlyArray<number>, events: ReadonlyArray<string>, subject: number) => {
  const times = observers.map((o) => cluster.firstAfter(from, o, events, subject)).filter((t): t is number => t !== undefined)
  return times.length === 0 ? undefined : Math.min(...times)
}

const since = (start: number, t: number | undefined) => t === undefined ? undefined : t - start
const SUSPECT_OR_FAILED = ["suspect", "failed"]

/**
 * The shape of scenarios 1, 4 and 6: from a full view, fault member k for
 * `ms` (`fault(true)` on, `fault(false)` off), waiting up to 10 P for every
 * other member to see it suspect or failed; then up to 20 P for a full view,
 * watched SETTLE_P more for false failures (lines touching k do not count).
 */
const faultFor = async (s: Setting, k: number, ms: number, marks: readonly [string, string], fault: (on: boolean) => void) => {
  const { cluster, P } = s
  const start = await fullViewFirst(s)
  cluster.mark(marks[0])
  fault(true)
  const detected = await allSaw(cluster, start, others(s, k), SUSPECT_OR_FAILED, k, 10 * P)
  await sleep(Math.max(0, start + ms - Date.now()))
  const failedAll = await allSaw(cluster, start, others(s, k), ["failed"], k, 0)
  const end = Date.now()
  cluster.mark(marks[1])
  fault(false)
  const back = await waitUntil(() => cluster.fullView(), 20 * P)
  await sleep(SETTLE_P * P)
  const lines = cluster.since(start)
  return {
    start,
    detectFirstMs: since(start, firstSaw(cluster, start, others(s, k), SUSPECT_OR_FAILED, k)),
    detectAllMs: since(start, detected),
    failedAllMs: since(start, failedAll),
    recoveryMs: since(end, back),
    lines,
    wrong: falseFailures(lines, (o, t) => o === k || t === k).map(show(start)),
    checks: [
      { kind: "defined", label: "every other member sees it suspect or failed within 10 P", value: detected },
      { kind: "defined", label: `full view within 20 P after the fault ends: ${cluster.describeViews()}`, value: back }
    ] satisfies Array<Check>
  }
}

const noFalseFailure = (wrong: ReadonlyArray<string>): Check => ({
  kind: "empty",
  label: "no healthy member reported failed by a healthy member",
  value: wrong
})

export const cutHost: Scenario = {
  id: 1,
  title: "1. cut a host: its link down 10 s, detected by all, back in every view",
  run: async (s) => {
    const k = 2
    const net = s.cluster.net
    const r = await faultFor(s, k, 10_000, ["Net.setBridgeLink(k, false)", "Net.setBridgeLink(k, true)"], (on) => net.setBridgeLink(k, !on))
    return {
      figures: {
        scenario: "1 cut host",
        fault: `bridge-side veth of m${k} down for 10 s`,
        detectFirstMs: r.detectFirstMs,
        detectAllMs: r.detectAllMs,
        failedAllMs: r.failedAllMs,
        recoveryMs: r.recoveryMs,
        falseFailures: r.wrong.length,
        notes: r.wrong.slice(0, 5)
      },
      checks: [...r.checks, noFalseFailure(r.wrong)]
    }
  }
}

export const partition: Scenario = {
  id: 2,
  title: "2. partition 50/50 and heal: each half declares the other failed, full view back",
  run: async (s) => {
    const { cluster, P } = s
    const net = cluster.net
    const start = await fullViewFirst(s)
    const half = (i: number) => (i < s.half ? 0 : 1)
    cluster.mark("Net.setTrunk(false)")
    net.setTrunk(false)
    // Every member sees every member of the other half failed.
    const split = await waitUntil(
      () =>
        cluster.views.every((_, o) =>
          others(s, o).every((t) => half(t) === half(o) || cluster.firstAfter(start, o, ["failed"], t) !== undefined)
        ),
      30 * P
    )
    const heal = Date.now()
    cluster.mark("Net.setTrunk(true)")
    net.setTrunk(true)
    const back = await waitUntil(() => cluster.fullView(), 40 * P)
    await sleep(SETTLE_P * P)
    const wrong = falseFailures(cluster.since(start), (o, t) => half(o) !== half(t)).map(show(start))
    return {
      figures: {
        scenario: "2 partition 3/3",
        fault: "link between the two bridges down until both halves declared the other failed",
        failedAllMs: since(start, split),
        recoveryMs: since(heal, back),
        falseFailures: wrong.length,
        notes: wrong.slice(0, 5)
      },
      checks: [
        { kind: "defined", label: "each half declares the other failed within 30 P", value: split },
        { kind: "defined", label: `full view within 40 P after the heal: ${cluster.describeViews()}`, value: back },
        { kind: "empty", label: "no member reported failed by a member of its own half", value: wrong }
      ]
    }
  }
}

export const killRestart: Scenario = {
  id: 3,
  title: "3. SIGKILL and restart with the same name and address: failed everywhere, then alive everywhere",
  run: async (s) => {
    const { cluster, P } = s
    const start = await fullViewFirst(s)
    const k = 4
    cluster.mark("await cluster.kill(k)")
    await cluster.kill(k)
    const detected = await allSaw(cluster, start, others(s, k), SUSPECT_OR_FAILED, k, 10 * P)
    const failedAll = await allSaw(cluster, start, others(s, k), ["failed"], k, 25 * P)
    const restart = Date.now()
    cluster.mark("cluster.start(k)")
    cluster.start(k)
    await waitUntil(() => cluster.readyAt[k] !== undefined, 30_000)
    const ready = cluster.readyAt[k]
    const back = await waitUntil(() => cluster.fullView(), 20 * P)
    await sleep(SETTLE_P * P)
    const wrong = falseFailures(cluster.since(start), (o, t) => o === k || t === k).map(show(start))
    return {
      figures: {
        scenario: "3 SIGKILL + restart",
        fault: `m${k} SIGKILLed, restarted once all saw it failed`,
        detectFirstMs: since(start, firstSaw(cluster, start, others(s, k), SUSPECT_OR_FAILED, k)),
        detectAllMs: since(start, detected),
        failedAllMs: since(start, failedAll),
        recoveryMs: ready === undefined ? undefined : since(ready, back),
        falseFailures: wrong.length,
        notes: [
          `process start to ready ${ready === undefined ? "never" : ready - restart} ms; recovery counted from ready`,
          ...wrong.slice(0, 5)
        ]
      },
      checks: [
        { kind: "defined", label: "every other member sees it suspect or failed within 10 P", value: detected },
        { kind: "defined", label: "every other member declares it failed within 25 P", value: failedAll },
        { kind: "defined", label: "the restarted process is ready within 30 s", value: ready },
        { kind: "defined", label: `full view within 20 P after it is ready: ${cluster.describeViews()}`, value: back },
        noFalseFailure(wrong)
      ]
    }
  }
}

export const stopContinue: Scenario = {
  id: 4,
  title: "4. SIGSTOP for 15 s, then SIGCONT: suspected/declared, then back",
  run: async (s) => {
    const k = 3
    const { cluster } = s
    const r = await faultFor(
      s,
      k,
      15_000,
      ['cluster.signal(k, "SIGSTOP")', 'cluster.signal(k, "SIGCONT")'],
      (on) => cluster.signal(k, on ? "SIGSTOP" : "SIGCONT")
    )
    const byPaused = r.lines.filter((l) => l.observer === k && (l.event === "failed" || l.event === "suspect")).map(show(r.start))
    return {
      figures: {
        scenario: "4 SIGSTOP 15 s",
        fault: `m${k} stopped 15 s`,
        detectFirstMs: r.detectFirstMs,
        detectAllMs: r.detectAllMs,
        failedAllMs: r.failedAllMs,
        recoveryMs: r.recoveryMs,
        falseFailures: r.wrong.length,
        notes: [`paused member after SIGCONT reported: ${byPaused.length === 0 ? "nothing" : byPaused.join(", ")}`, ...r.wrong.slice(0, 5)]
      },
      checks: [...r.checks, noFalseFailure(r.wrong)]
    }
  }
}

export const lostEveryPeer: Scenario = {
  id: 5,
  title: "5. a member that lost every peer rejoins by itself (rediscovery while alone)",
  run: async (s) => {
    const { cluster, P } = s
    const net = cluster.net
    const start = await fullViewFirst(s)
    const k = 5
    cluster.mark("Net.setBridgeLink(k, false)")
    net.setBridgeLink(k, false)
    const lonely = await waitUntil(
      () =>
        others(s, k).every((t) => cluster.firstAfter(start, k, ["failed"], t) !== undefined) &&
        others(s, k).every((o) => cluster.firstAfter(start, o, ["failed"], k) !== undefined),
      90 * P
    )
    const up = Date.now()
    cluster.mark("Net.setBridgeLink(k, true)")
    net.setBridgeLink(k, true)
    const back = await waitUntil(() => cluster.fullView(), 20 * P)
    await sleep(SETTLE_P * P)
    const wrong = falseFailures(cluster.since(start), (o, t) => o === k || t === k).map(show(start))
    return {
      figures: {
        scenario: "5 lost every peer",
        fault: `m${k} cut until it declared all 5 failed and all 5 declared it failed`,
        detectAllMs: (await allSaw(cluster, start, others(s, k), SUSPECT_OR_FAILED, k, 0) ?? start) - start,
        failedAllMs: since(start, lonely),
        recoveryMs: since(up, back),
        falseFailures: wrong.length,
        notes: wrong.slice(0, 5)
      },
      checks: [
        { kind: "defined", label: "it declares every peer failed, and they it, within 90 P", value: lonely },
        { kind: "defined", label: `full view within 20 P after link up: ${cluster.describeViews()}`, value: back },
        noFalseFailure(wrong)
      ]
    }
  }
}

export const ownInterfaceDown: Scenario = {
  id: 6,
  title: "6. a member whose own interface goes down 10 s, then up: no false failure in the others' views",
  run: async (s) => {
    const k = 1
    const net = s.cluster.net
    const r = await faultFor(s, k, 10_000, ["Net.setOwnLink(k, false)", "Net.setOwnLink(k, true)"], (on) => net.setOwnLink(k, !on))
    const byIt = r.lines.filter((l) => l.observer === k && l.event === "failed").map(show(r.start))
    return {
      figures: {
        scenario: "6 own interface down",
        fault: `eth0 of m${k} down (inside its namespace) for 10 s`,
        detectFirstMs: r.detectFirstMs,
        detectAllMs: r.detectAllMs,
        recoveryMs: r.recoveryMs,
        falseFailures: r.wrong.length,
        notes: [`it declared failed: ${byIt.length === 0 ? "nobody" : byIt.join(", ")}`, ...r.wrong.slice(0, 5)]
      },
      checks: [...r.checks, noFalseFailure(r.wrong)]
    }
  }
}

/** The six scenarios, in the suite's order. */
export const all: ReadonlyArray<Scenario> = [cutHost, partition, killRestart, stopContinue, lostEveryPeer, ownInterfaceDown]

/** Starts member 0, then the others joining through it; the ms until every view is full, or undefined after 60 s. */
export const startAll = async (cluster: Cluster, count: number): Promise<number | undefined> => {
  const t0 = Date.now()
  cluster.start(0)
  await waitUntil(() => cluster.readyAt[0] !== undefined, 30_000)
  for (let i = 1; i < count; i++) cluster.start(i)
  const whole = await waitUntil(() => cluster.fullView(), 60_000)
  return whole === undefined ? undefined : whole - t0
}
