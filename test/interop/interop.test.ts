/**
 * Interop: real HashiCorp memberlist nodes (Go, Debian's 0.2.2, driven
 * through test/interop/peer) and our TypeScript members in one cluster on
 * 127.0.0.1 — membership both ways, failure detection both ways, user
 * messages and broadcasts both ways, encryption, compression and protocol 5.
 *
 * Bounds are in protocol periods of the local preset (probe interval 1 s on
 * both sides). Needs golang-go and golang-github-hashicorp-memberlist-dev:
 * without them beforeAll fails with the build script's message.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Metric, MetricState, Option, Stream } from "effect"
import { randomBytes } from "node:crypto"
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest"
import type { Received } from "../../src/Memberlist.js"
import { formatAddress } from "../../src/internal/swim/messages.js"
import type { Address } from "../../src/Transport.js"
import { eventually, Hello, Invalidate, type Message, type StartOptions, startMember, type TestMember } from "../support/cluster.js"
import { ensureGoPeerBuilt, type GoPeer, type GoPeerEvent, type GoPeerOptions, startGoPeer, stopAll } from "./goPeer.js"

// ---- time ----------------------------------------------------------------------

/** The local preset's probe interval, on both sides. */
const PROBE_MS = 1_000
const periods = (n: number): Duration.Duration => Duration.millis(n * PROBE_MS)
const ms = (d: Duration.Duration): number => Duration.toMillis(d)

/**
 * memberlist's (and our) minimum suspicion timeout: SuspicionMult (3 in the
 * local preset) * max(1, log10(n)) probe periods. No failure can be declared
 * sooner than this after the last ack, so an event within it is a leave.
 */
const MIN_SUSPICION = periods(3)
/** Convergence of a small cluster: a join push/pull, then gossip every 100 ms. */
const CONVERGE = periods(10)
// A joiner learns at once only what its seed knows; the rest comes by gossip
// (a few transmissions per update) or the next push/pull (every 15 s here). So
// a test that joins through several seeds waits until each seed knows the
// nodes before it, as any staged rollout would.
/**
 * Failure detection in a 4-node cluster: the victim is probed within a few
 * rounds, then suspicion runs at most SuspicionMaxTimeoutMult (6) * 3
 * periods without confirmations (3 with one), then the death is gossiped.
 */
const DETECT = periods(30)

// ---- helpers ---------------------------------------------------------------------

const toAddress = (hostPort: string): Address => {
  const i = hostPort.lastIndexOf(":")
  return { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) }
}

const promise = <A>(f: () => Promise<A>): Effect.Effect<A> => Effect.promise(f)

/** A Go peer (with the local preset); stopAll in afterEach ends it. */
const go = (options: GoPeerOptions): Effect.Effect<GoPeer> => promise(() => startGoPeer(options))

/**
 * A TS member with JSON user messages (so the Go side reads and writes them as
 * text), stopped when the test's scope closes (a no-op when already stopped).
 * Started in acquireRelease's uninterruptible acquire, as applications do: the
 * member must still stop when asked.
 */
const ts = (options: StartOptions) =>
  Effect.acquireRelease(startMember({ encoding: "json", ...options }), (member) => member.stop)

const sorted = (names: ReadonlyArray<string>): Array<string> => [...names].sort()

/** The names a TS member sees alive (members lists alive and suspect). */
const tsAlive = (m: TestMember) =>
  Effect.map(m.member.members, (view) => sorted(view.filter((x) => x.state === "alive").map((x) => x.name)))

/** Polls a Go peer until its members are exactly `names`, all alive. */
const goSeesAlive = (peer: GoPeer, names: ReadonlyArray<string>, limit: Duration.Duration) =>
  promise(async () => {
    const want = sorted(names).join(",")
    const deadline = Date.now() + ms(limit)
    for (;;) {
      const seen = await peer.members()
      const alive = sorted(seen.filter((m) => m.state === "alive").map((m) => m.name)).join(",")
      if (alive === want && seen.length === names.length) return seen
      if (Date.now() > deadline) {
        throw new Error(`go peer ${peer.name}: not within ${ms(limit)} ms: members [${want}] all alive; last saw ${JSON.stringify(seen)}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })

/** Every TS and Go node sees exactly `names`, all alive. */
const allSeeAll = (
  tsNodes: ReadonlyArray<TestMember>,
  goNodes: ReadonlyArray<GoPeer>,
  names: ReadonlyArray<string>,
  limit: Duration.Duration = CONVERGE
) =>
  Effect.all([
    eventually(
      Effect.map(Effect.forEach(tsNodes, tsAlive), (views) => views.every((v) => v.join(",") === sorted(names).join(","))),
      limit,
      `TS nodes [${tsNodes.map((t) => t.name).join(",")}] see exactly [${names.join(",")}] alive`
    ).pipe(Effect.tapError(() =>
      Effect.flatMap(
        Effect.forEach(tsNodes, (t) => Effect.map(t.member.allMembers, (v) => `${t.name}: ${v.map((m) => `${m.name}=${m.state}#${m.incarnation}`).join(" ")}`)),
        (views) => Effect.sync(() => console.error(`TS views:\n  ${views.join("\n  ")}`))
      )
    )),
    ...goNodes.map((g) => goSeesAlive(g, names, limit))
  ], { concurrency: "unbounded", discard: true })

/** Collects what a TS member receives from now on (subscribed before this returns). */
const inbox = (m: TestMember) =>
  Effect.gen(function*() {
    const got: Array<Received<Message>> = []
    const messages = yield* m.member.receive
    yield* Effect.forkScoped(Stream.runForEach(messages, (r) => Effect.sync(() => got.push(r))))
    return got
  })

const received = (
  box: ReadonlyArray<Received<Message>>,
  predicate: (r: Received<Message>) => boolean,
  limit: Duration.Duration,
  what: string
) =>
  Effect.zipRight(
    eventually(Effect.sync(() => box.some(predicate)), limit, what),
    Effect.sync(() => box.filter(predicate))
  )

/** The payload text of a Go "message" event. */
const textOf = (e: GoPeerEvent): string | undefined => (e.event === "message" ? e.text : undefined)

/** JSON with object keys sorted, to compare values regardless of key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)

/** A Go "message" event whose text is JSON equal to `value`. */
const isJsonMessage = (value: unknown) => (e: GoPeerEvent): boolean => {
  const text = textOf(e)
  if (text === undefined) return false
  try {
    return canonical(JSON.parse(text)) === canonical(value)
  } catch {
    return false
  }
}

const waitGo = (peer: GoPeer, predicate: (e: GoPeerEvent) => boolean, limit: Duration.Duration, description: string, since = 0) =>
  promise(() => peer.waitFor(predicate, ms(limit), { since, description }))

/** Runs a Go command and waits for its "sent" confirmation (or fails on its "error"). */
const goCommand = (peer: GoPeer, line: string) =>
  promise(async () => {
    const since = peer.events.length
    peer.command(line)
    const e = await peer.waitFor((e) => e.event === "sent" || e.event === "error", 5_000, { since, description: `reply to ${line}` })
    if (e.event === "error") throw new Error(`go peer ${peer.name}: ${line}: ${e.message}`)
  })

const key = (bytes: 16 | 24 | 32): Uint8Array => new Uint8Array(randomBytes(bytes))
const b64 = (k: Uint8Array): string => Buffer.from(k).toString("base64")

/** Milliseconds since `start`. */
const since = (start: number): number => Date.now() - start

/** Measured detection times, printed at the end (for the report; not asserted beyond the bounds). */
const measured: Array<string> = []

/** Our counters of things refused: decoder rejections, core drops, schema failures, failed push/pulls. */
const refusals = (): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const pair of Effect.runSync(Metric.snapshot)) {
    const name = pair.metricKey.name
    const tags = pair.metricKey.tags.map((t) => `${t.key}=${t.value}`).join(",")
    if (!MetricState.isCounterState(pair.metricState)) continue
    if (name === "memberlist_push_pulls" && !tags.includes("failed")) continue
    if (!/decode_rejected|core_dropped|user_messages_rejected|push_pulls/.test(name)) continue
    out[`${name}{${tags}}`] = Number(pair.metricState.count)
  }
  return out
}
let before: Record<string, number> = {}
const refusedSince = (): Record<string, number> => {
  const now = refusals()
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0))
}

/**
 * Nothing a Go node sent was refused by our decoder, core or schema since the
 * test began (a member that has left may still drop late packets: NotRunning).
 */
const nothingRefused = Effect.sync(() => {
  const refused = Object.entries(refusedSince()).filter(([k]) => !k.includes("push_pulls") && !k.includes("NotRunning"))
  expect(Object.fromEntries(refused)).toEqual({})
})

/** No Go node logged an error or a warning (memberlist logs every refused packet or stream). */
const goQuiet = (peers: ReadonlyArray<GoPeer>): void => {
  for (const p of peers) expect(p.stderr().split("\n").filter((l) => /\[(ERR|ERROR|WARN)\]/.test(l))).toEqual([])
}

beforeAll(() => ensureGoPeerBuilt(), 180_000)
beforeEach(() => {
  before = refusals()
})
afterEach(() => stopAll())
afterAll(async () => {
  await stopAll()
  if (measured.length > 0) console.log(`interop timings:\n  ${measured.join("\n  ")}`)
})

// ---- tests -----------------------------------------------------------------------

describe("interop with HashiCorp memberlist (Go)", () => {
  it.scopedLive("a mixed cluster forms through a Go seed: TS nodes join a Go node", () =>
    Effect.gen(function*() {
      const g1 = yield* go({ name: "g1" })
      const g2 = yield* go({ name: "g2", join: [g1.address] })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)] })
      yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"]) // t2's seed must know t1 first
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)] })
      const names = ["g1", "g2", "t1", "t2"]
      yield* allSeeAll([t1, t2], [g1, g2], names)

      // Go knows the TS nodes by the addresses they advertise, with our versions.
      for (const g of [g1, g2]) {
        const members = yield* promise(() => g.members())
        expect(members.find((m) => m.name === "t1")?.addr).toBe(formatAddress(t1.address))
        expect(members.find((m) => m.name === "t2")?.addr).toBe(formatAddress(t2.address))
        const join = yield* waitGo(g, (e) => e.event === "join" && e.name === "t1", periods(1), "join event for t1")
        expect(join.event === "join" && join.addr).toBe(formatAddress(t1.address))
      }
      // And TS knows the Go nodes with theirs (protocol 1..5, speaking 2).
      const view = yield* t1.member.members
      const seenG1 = view.find((m) => m.name === "g1")
      expect(seenG1 && formatAddress(seenG1.address)).toBe(g1.address)
      expect(seenG1?.versions.slice(0, 3)).toEqual([1, 5, 2])
      yield* nothingRefused
      goQuiet([g1, g2])
    }))

  it.scopedLive("a mixed cluster forms through a TS seed: Go nodes join a TS node", () =>
    Effect.gen(function*() {
      const t1 = yield* ts({ name: "t1", seeds: [] })
      const g1 = yield* go({ name: "g1", join: [formatAddress(t1.address)] })
      const t2 = yield* ts({ name: "t2", seeds: [t1.address] })
      yield* allSeeAll([t1, t2], [g1], ["g1", "t1", "t2"]) // g2's seed must know g1 first
      const g2 = yield* go({ name: "g2", join: [formatAddress(t2.address)] })
      const names = ["g1", "g2", "t1", "t2"]
      yield* allSeeAll([t1, t2], [g1, g2], names)
      // g1 learned g2 (and t2) only through the TS nodes' gossip or push/pull.
      const join = yield* waitGo(g1, (e) => e.event === "join" && e.name === "g2", periods(1), "g1 hears of g2")
      expect(join.event === "join" && join.addr).toBe(g2.address)
      yield* nothingRefused
      goQuiet([g1, g2])
    }))

  it.scopedLive("node metadata crosses both ways, at join and on update", () =>
    Effect.gen(function*() {
      const g1 = yield* go({ name: "g1", meta: "role=go" })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)] })
      yield* allSeeAll([t1], [g1], ["g1", "t1"])
      const seen = (yield* t1.member.members).find((m) => m.name === "g1")
      expect(new TextDecoder().decode(seen?.meta)).toBe("role=go")

      const mark = g1.events.length
      yield* t1.member.updateMetadata(new TextEncoder().encode("role=ts"))
      yield* waitGo(g1, (e) => e.event === "update" && e.name === "t1" && e.meta === "role=ts", periods(3), "g1 sees t1's new meta", mark)

      const updates = yield* Effect.forkScoped(Stream.runHead((yield* t1.member.events).pipe(
        Stream.filter((e) => e._tag === "MemberUpdated" && e.member.name === "g1")
      )))
      g1.command("meta role=go2")
      const update = yield* Fiber.join(updates).pipe(Effect.timeout(periods(3)))
      expect(Option.map(update, (e) => "member" in e ? new TextDecoder().decode(e.member.meta) : "")).toEqual(Option.some("role=go2"))
      yield* nothingRefused
      goQuiet([g1])
    }))

  it.scopedLive("a TS leave and a TS crash are leaves to Go; a SIGKILLed Go node is found dead by the TS nodes", () =>
    Effect.gen(function*() {
      // Each joins through another seed, so wait for each to be known everywhere
      // (a joiner learns only what its seed knows; the rest comes by gossip).
      const g1 = yield* go({ name: "g1" })
      const g2 = yield* go({ name: "g2", join: [g1.address] })
      const g3 = yield* go({ name: "g3", join: [g2.address] })
      yield* allSeeAll([], [g1, g2, g3], ["g1", "g2", "g3"])
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)] })
      yield* allSeeAll([t1], [g1, g2, g3], ["g1", "g2", "g3", "t1"])
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)], leaveOnClose: false })
      yield* allSeeAll([t1, t2], [g1, g2, g3], ["g1", "g2", "g3", "t1", "t2"])
      const t3 = yield* ts({ name: "t3", seeds: [toAddress(g3.address)] })
      yield* allSeeAll([t1, t2, t3], [g1, g2, g3], ["g1", "g2", "g3", "t1", "t2", "t3"])
      const t4 = yield* ts({ name: "t4", seeds: [toAddress(g1.address)] })
      yield* allSeeAll([t1, t2, t3, t4], [g1, g2, g3], ["g1", "g2", "g3", "t1", "t2", "t3", "t4"])
      const goNodes = [g1, g2, g3]
      const stay = [t1, t4]

      // 1. A TS node leaving gracefully: a leave at every Go node, sooner than any
      //    failure could be declared, and "left" (not dead) at the other TS nodes.
      let marks = goNodes.map((g) => g.events.length)
      let start = Date.now()
      yield* t3.stop
      yield* Effect.all(
        goNodes.map((g, i) => waitGo(g, (e) => e.event === "leave" && e.name === "t3", MIN_SUSPICION, `${g.name} sees t3 leave`, marks[i])),
        { concurrency: "unbounded" }
      )
      measured.push(`TS graceful leave -> "leave" at all 3 Go nodes: ${since(start)} ms (from the start of the stop)`)
      yield* eventually(
        Effect.map(Effect.forEach([t1, t2, t4], (t) => t.member.allMembers), (views) =>
          views.every((v) => v.find((m) => m.name === "t3")?.state === "left")),
        periods(2),
        "the other TS nodes mark t3 left"
      )
      yield* allSeeAll([t1, t2, t4], goNodes, ["g1", "g2", "g3", "t1", "t2", "t4"], periods(2))

      // 2. A TS node stopped without leaving: every Go node reports it failed (a
      //    "leave" event: memberlist 0.2.2 reports failures as leaves).
      marks = goNodes.map((g) => g.events.length)
      start = Date.now()
      yield* t2.stop
      const crashEvents = yield* Effect.all(
        goNodes.map((g, i) => waitGo(g, (e) => e.event === "leave" && e.name === "t2", DETECT, `${g.name} reports t2 gone`, marks[i])),
        { concurrency: "unbounded" }
      )
      const crashDetected = since(start)
      measured.push(`TS node stopped silently -> "leave" (failure) at all 3 Go nodes: ${crashDetected} ms`)
      // A failure cannot be declared before the minimum suspicion timeout: this was one.
      expect(crashDetected).toBeGreaterThanOrEqual(ms(MIN_SUSPICION))
      for (const e of crashEvents) expect(e.event === "leave" && e.addr).toBe(formatAddress(t2.address))
      yield* eventually(
        Effect.map(Effect.forEach(stay, (t) => t.member.allMembers), (views) =>
          views.every((v) => v.find((m) => m.name === "t2")?.state === "dead")),
        periods(5),
        "the other TS nodes mark t2 dead"
      )
      yield* allSeeAll(stay, goNodes, ["g1", "g2", "g3", "t1", "t4"], periods(5))

      // 3. A Go node killed without a word: the TS nodes mark it dead (not left).
      start = Date.now()
      yield* promise(() => g3.kill())
      yield* eventually(
        Effect.map(Effect.forEach(stay, (t) => t.member.allMembers), (views) =>
          views.every((v) => v.find((m) => m.name === "g3")?.state === "dead")),
        DETECT,
        "every TS node marks the killed g3 dead"
      )
      measured.push(`SIGKILLed Go node -> dead at both TS nodes: ${since(start)} ms`)
      yield* allSeeAll(stay, [g1, g2], ["g1", "g2", "t1", "t4"], periods(5))
      yield* nothingRefused
    }))

  it.scopedLive("a node that crashed and restarts on its address is alive again on both sides", () =>
    Effect.gen(function*() {
      const g1 = yield* go({ name: "g1" })
      const g2 = yield* go({ name: "g2", join: [g1.address] })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)] })
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g1.address)], leaveOnClose: false })
      const names = ["g1", "g2", "t1", "t2"]
      yield* allSeeAll([t1, t2], [g1, g2], names)

      // Go node: killed, found dead, restarted on the same port (a fresh incarnation).
      yield* promise(() => g2.kill())
      yield* eventually(
        Effect.map(t1.member.allMembers, (v) => v.find((m) => m.name === "g2")?.state === "dead"),
        DETECT,
        "t1 marks g2 dead"
      )
      const g2again = yield* go({ name: "g2", bind: g2.address, join: [formatAddress(t1.address)] })
      yield* allSeeAll([t1, t2], [g1, g2again], names)

      // TS node: stopped silently, found dead, restarted on the same port.
      const port = t2.address.port
      yield* t2.stop
      yield* waitGo(g1, (e) => e.event === "leave" && e.name === "t2", DETECT, "g1 reports t2 gone")
      const t2again = yield* ts({ name: "t2", seeds: [toAddress(g1.address)], config: { bindPort: port } })
      yield* allSeeAll([t1, t2again], [g1, g2again], names)
      yield* nothingRefused
    }))

  it.scopedLive("user messages cross both ways: send, send-reliable, broadcasts", () =>
    Effect.gen(function*() {
      // memberlist 0.2.2 transmits a user broadcast RetransmitMult * ceil(log10(n + 1))
      // times in all, to random peers, and nobody relays it: with the local
      // preset's 2 in a 4-node cluster that is 2 transmissions for 3 peers, so
      // even an all-Go cluster does not reach everyone. 6 makes one gossip round
      // (3 peers) enough; it changes nothing on the TS side.
      const g1 = yield* go({ name: "g1", retransmitMult: 6 })
      const g2 = yield* go({ name: "g2", join: [g1.address], retransmitMult: 6 })
      // Go nodes do not relay our broadcasts, so in this small mixed cluster t1's
      // own sends are t2's only source: with the default 6 sends for 3 peers t2
      // missed 3-5% of t1's broadcasts (measured; reported to the core's owner).
      // 12 sends make this test about the wire, not about that probability.
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)], config: { retransmitMult: 12 } })
      yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"]) // t2's seed must know t1 first
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)] })
      yield* allSeeAll([t1, t2], [g1, g2], ["g1", "g2", "t1", "t2"])
      const box1 = yield* inbox(t1)
      const box2 = yield* inbox(t2)

      // Go holds our delegate range 0..1 (we read the sender envelope) at version 0, and its own 0..0.
      const goView = yield* promise(() => g1.members())
      expect(Object.fromEntries(goView.map((m) => [m.name, m.vsn]))).toEqual({
        g1: [1, 5, 2, 0, 0, 0],
        g2: [1, 5, 2, 0, 0, 0],
        t1: [1, 5, 2, 0, 1, 0],
        t2: [1, 5, 2, 0, 1, 0]
      })

      // Go -> TS, UDP and TCP: the JSON text decodes into the schema's values.
      yield* goCommand(g1, `send t1 {"_tag":"Hello","from":"g1","n":1}`)
      yield* goCommand(g2, `send-reliable t1 {"_tag":"Invalidate","key":"users/42"}`)
      const udp = yield* received(box1, (r) => r.message._tag === "Hello", periods(3), "t1 gets g1's Hello")
      expect(udp.map((r) => r.message)).toEqual([new Hello({ from: "g1", n: 1 })])
      expect(formatAddress(udp[0]!.from)).toBe(g1.address)
      expect(udp[0]!.origin).toBeUndefined()
      // A packet comes from g1's own port: the address names it.
      expect(udp[0]!.sender).toBe("g1")
      const tcp = yield* received(box1, (r) => r.message._tag === "Invalidate", periods(3), "t1 gets g2's Invalidate")
      expect(tcp.map((r) => r.message)).toEqual([new Invalidate({ key: "users/42" })])
      expect(tcp[0]!.origin).toBeUndefined()
      // Go's stream comes from a temporary port and names no one.
      expect(tcp[0]!.sender).toBeUndefined()

      // TS -> Go, UDP and TCP: Go gets the JSON text.
      yield* t1.member.send("g1", new Hello({ from: "t1", n: 2 }))
      yield* t2.member.sendReliable("g1", new Invalidate({ key: "users/43" }))
      yield* t2.member.send(toAddress(g2.address), new Hello({ from: "t2", n: 3 }))
      yield* waitGo(g1, isJsonMessage({ _tag: "Hello", from: "t1", n: 2 }), periods(3), "g1 gets t1's Hello")
      yield* waitGo(g1, isJsonMessage({ _tag: "Invalidate", key: "users/43" }), periods(3), "g1 gets t2's Invalidate")
      yield* waitGo(g2, isJsonMessage({ _tag: "Hello", from: "t2", n: 3 }), periods(3), "g2 gets t2's Hello (by address)")

      // TS -> TS reliably in the mixed cluster (t2 learned t1's versions through Go): named by the envelope.
      yield* t1.member.sendReliable("t2", new Hello({ from: "t1", n: 11 }))
      const named = yield* received(box2, (r) => r.message._tag === "Hello" && r.message.n === 11, periods(3), "t2 gets t1's Hello")
      expect(named.map((r) => r.sender)).toEqual(["t1"])

      // Large reliable messages (many TCP segments) both ways.
      const big = "k".repeat(100_000)
      yield* goCommand(g1, `send-reliable t1 {"_tag":"Invalidate","key":"${big}"}`)
      yield* received(box1, (r) => r.message._tag === "Invalidate" && r.message.key === big, periods(3), "t1 gets g1's 100 kB message")
      yield* t1.member.sendReliable("g2", new Invalidate({ key: big }))
      yield* waitGo(g2, isJsonMessage({ _tag: "Invalidate", key: big }), periods(3), "g2 gets t1's 100 kB message")

      // TS broadcast -> every Go node (plain, as a Go broadcaster sends it) and the other TS node (exactly once).
      yield* t1.member.broadcast(new Invalidate({ key: "everyone" }))
      const everyone = { _tag: "Invalidate", key: "everyone" }
      yield* Effect.all([
        waitGo(g1, isJsonMessage(everyone), periods(5), "g1 gets t1's broadcast"),
        waitGo(g2, isJsonMessage(everyone), periods(5), "g2 gets t1's broadcast"),
        received(box2, (r) => r.origin === "t1", periods(5), "t2 gets t1's broadcast")
      ], { concurrency: "unbounded" })

      // Go broadcast -> every TS node, as a plain user message (no origin).
      yield* goCommand(g2, `broadcast {"_tag":"Hello","from":"g2","n":4}`)
      const fromGo = new Hello({ from: "g2", n: 4 })
      const isFromGo = (r: Received<Message>) => r.message._tag === "Hello" && r.message.from === "g2"
      const [at1, at2] = yield* Effect.all([
        received(box1, isFromGo, periods(5), "t1 gets g2's broadcast"),
        received(box2, isFromGo, periods(5), "t2 gets g2's broadcast")
      ], { concurrency: "unbounded" })
      for (const got of [at1, at2]) {
        expect(got[0]!.message).toEqual(fromGo)
        expect(got[0]!.origin).toBeUndefined()
        // Go does not relay, so the last hop is g2 itself.
        expect(got[0]!.sender).toBe("g2")
      }
      // Settle, then count: the TS broadcast reached t2 exactly once, and each Go node once.
      yield* Effect.sleep(periods(2))
      expect(box2.filter((r) => r.origin === "t1").map((r) => r.message)).toEqual([new Invalidate({ key: "everyone" })])
      for (const g of [g1, g2]) expect(g.events.filter(isJsonMessage(everyone)).length).toBe(1)
      // Nothing undecodable was delivered (every message is one of ours).
      expect([...box1, ...box2].every((r) => r.message instanceof Hello || r.message instanceof Invalidate)).toBe(true)
      yield* nothingRefused
      goQuiet([g1, g2])
    }))

  it.scopedLive("with a shared key the mixed cluster forms and messages cross", () =>
    Effect.gen(function*() {
      const k = key(32)
      const g1 = yield* go({ name: "g1", keys: [b64(k)] })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)], config: { secretKeys: [k] } })
      const g2 = yield* go({ name: "g2", keys: [b64(k)], join: [formatAddress(t1.address)] })
      yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"]) // t2's seed must know t1 first
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)], config: { secretKeys: [k] } })
      yield* allSeeAll([t1, t2], [g1, g2], ["g1", "g2", "t1", "t2"])
      const box = yield* inbox(t1)
      yield* goCommand(g1, `send t1 {"_tag":"Hello","from":"g1","n":1}`)
      yield* goCommand(g2, `send-reliable t1 {"_tag":"Hello","from":"g2","n":2}`)
      yield* received(box, (r) => r.message._tag === "Hello" && r.message.from === "g1", periods(3), "encrypted UDP Go -> TS")
      yield* received(box, (r) => r.message._tag === "Hello" && r.message.from === "g2", periods(3), "encrypted TCP Go -> TS")
      yield* t1.member.send("g2", new Hello({ from: "t1", n: 3 }))
      yield* t1.member.sendReliable("g1", new Hello({ from: "t1", n: 4 }))
      yield* waitGo(g2, isJsonMessage({ _tag: "Hello", from: "t1", n: 3 }), periods(3), "encrypted UDP TS -> Go")
      yield* waitGo(g1, isJsonMessage({ _tag: "Hello", from: "t1", n: 4 }), periods(3), "encrypted TCP TS -> Go")
      // Nothing failed to decrypt on the Go side.
      expect(g1.stderr() + g2.stderr()).not.toMatch(/[Dd]ecrypt|No installed keys/)
      yield* nothingRefused
      goQuiet([g1, g2])
    }))

  it.scopedLive("with a wrong key (or none) a TS node is kept out and the Go cluster is unaffected", () =>
    Effect.gen(function*() {
      const k = key(32)
      const g1 = yield* go({ name: "g1", keys: [b64(k)] })
      const g2 = yield* go({ name: "g2", keys: [b64(k)], join: [g1.address] })
      yield* goSeesAlive(g1, ["g1", "g2"], CONVERGE)
      const wrong = yield* ts({ name: "wrong", seeds: [toAddress(g1.address)], config: { secretKeys: [key(32)] } })
      const none = yield* ts({ name: "none", seeds: [toAddress(g2.address)] })
      // The control: the right key gets in meanwhile, so the outcome below is the key's doing.
      const right = yield* ts({ name: "right", seeds: [toAddress(g1.address)], config: { secretKeys: [k] } })
      yield* allSeeAll([right], [g1, g2], ["g1", "g2", "right"])
      // An explicit join through a Go seed fails for the outsiders and succeeds with the key.
      for (const outsider of [wrong, none]) {
        const joined = yield* Effect.either(outsider.member.join([toAddress(g1.address), toAddress(g2.address)]))
        expect(Either.isLeft(joined) && joined.left._tag).toBe("JoinFailed")
      }
      expect(yield* right.member.join([toAddress(g2.address)])).toBe(1)
      // Give the outsiders many protocol periods of retries (they re-join while alone every 2 periods).
      yield* Effect.sleep(periods(6))
      for (const outsider of [wrong, none]) {
        expect(yield* tsAlive(outsider)).toEqual([outsider.name])
      }
      yield* allSeeAll([right], [g1, g2], ["g1", "g2", "right"], periods(1))
      // Go saw their packets or streams and refused them.
      expect(g1.stderr() + g2.stderr()).toMatch(/[Dd]ecrypt|No installed keys|failed to receive|Failed to read remote state/)
      // The Go cluster still works.
      yield* goCommand(g1, "send g2 still-here")
      yield* waitGo(g2, (e) => textOf(e) === "still-here", periods(3), "g2 gets g1's message")
      // The outsiders saw their join push/pulls fail; nothing was refused for other reasons.
      expect(Object.entries(refusedSince()).some(([k, v]) => k.includes("push_pulls") && v > 0)).toBe(true)
      yield* nothingRefused
    }))

  it.scopedLive("keyrings with different primaries and a non-primary shared key work both ways", () =>
    Effect.gen(function*() {
      // Go encrypts with kA and decrypts with kA or kB; TS encrypts with kB and decrypts with kB or kA.
      const kA = key(16)
      const kB = key(32)
      const g1 = yield* go({ name: "g1", keys: [b64(kA), b64(kB)] })
      const g2 = yield* go({ name: "g2", keys: [b64(kA), b64(kB)], join: [g1.address] })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)], config: { secretKeys: [kB, kA] } })
      yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"]) // t2's seed must know t1 first
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)], config: { secretKeys: [kB, kA] } })
      yield* allSeeAll([t1, t2], [g1, g2], ["g1", "g2", "t1", "t2"])
      const box = yield* inbox(t2)
      yield* goCommand(g1, `send-reliable t2 {"_tag":"Invalidate","key":"a"}`)
      yield* received(box, (r) => r.message._tag === "Invalidate", periods(3), "TCP Go(kA) -> TS")
      yield* t2.member.sendReliable("g1", new Invalidate({ key: "b" }))
      yield* t2.member.send("g2", new Invalidate({ key: "c" }))
      yield* waitGo(g1, isJsonMessage({ _tag: "Invalidate", key: "b" }), periods(3), "TCP TS(kB) -> Go")
      yield* waitGo(g2, isJsonMessage({ _tag: "Invalidate", key: "c" }), periods(3), "UDP TS(kB) -> Go")
      yield* nothingRefused
      goQuiet([g1, g2])
    }))

  it.scopedLive("compression on both sides (and on one side only) still forms the cluster", () =>
    Effect.gen(function*() {
      const g1 = yield* go({ name: "g1", compression: true })
      const g2 = yield* go({ name: "g2", compression: false, join: [g1.address] })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)], config: { compression: true } })
      yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"]) // t2's seed must know t1 first
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)], config: { compression: true } })
      yield* allSeeAll([t1, t2], [g1, g2], ["g1", "g2", "t1", "t2"])
      const box = yield* inbox(t1)
      yield* goCommand(g1, `send-reliable t1 {"_tag":"Invalidate","key":"${"x".repeat(300)}"}`)
      yield* received(box, (r) => r.message._tag === "Invalidate", periods(3), "compressed TCP Go -> TS")
      yield* t1.member.sendReliable("g2", new Invalidate({ key: "y".repeat(300) }))
      yield* t1.member.send("g1", new Invalidate({ key: "z".repeat(300) }))
      yield* waitGo(g2, isJsonMessage({ _tag: "Invalidate", key: "y".repeat(300) }), periods(3), "compressed TCP TS -> Go")
      yield* waitGo(g1, isJsonMessage({ _tag: "Invalidate", key: "z".repeat(300) }), periods(3), "compressed UDP TS -> Go")
      expect(g1.stderr() + g2.stderr()).not.toMatch(/[Dd]ecompress/)
      yield* nothingRefused
      goQuiet([g1, g2])
    }))

  it.scopedLive("Go at protocol 5 (CRC) with TS at protocol 5 and at 2", () =>
    Effect.gen(function*() {
      const g1 = yield* go({ name: "g1", protocol: 5 })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)], config: { protocolVersion: 5 } })
      const g2 = yield* go({ name: "g2", protocol: 5, join: [formatAddress(t1.address)] })
      yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"]) // t2's seed must know t1 first
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)] })
      yield* allSeeAll([t1, t2], [g1, g2], ["g1", "g2", "t1", "t2"])
      const view = yield* t2.member.members
      expect(view.find((m) => m.name === "g1")?.versions.slice(0, 3)).toEqual([1, 5, 5])
      expect(view.find((m) => m.name === "t1")?.versions.slice(0, 3)).toEqual([1, 5, 5])
      const box = yield* inbox(t2)
      yield* goCommand(g1, `send t2 {"_tag":"Hello","from":"g1","n":5}`)
      yield* received(box, (r) => r.message._tag === "Hello" && r.message.from === "g1", periods(3), "UDP Go(5) -> TS")
      yield* t1.member.send("g2", new Hello({ from: "t1", n: 6 }))
      yield* waitGo(g2, isJsonMessage({ _tag: "Hello", from: "t1", n: 6 }), periods(3), "UDP TS(5) -> Go(5)")
      // Still converged after some rounds of probes and gossip with CRC frames.
      yield* Effect.sleep(periods(3))
      yield* allSeeAll([t1, t2], [g1, g2], ["g1", "g2", "t1", "t2"], periods(1))
      expect(g1.stderr() + g2.stderr()).not.toMatch(/invalid checksum/)
      yield* nothingRefused
      goQuiet([g1, g2])
    }))

  it.scopedLive("Go at protocol 5 with TS members under each packetCrc policy: converged, messages cross, no bad checksum", () =>
    Effect.gen(function*() {
      const g1 = yield* go({ name: "g1", protocol: 5 })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)], config: { protocolVersion: 5, packetCrc: "always" } })
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g1.address)], config: { protocolVersion: 5, packetCrc: "never" } })
      const t3 = yield* ts({ name: "t3", seeds: [toAddress(g1.address)], config: { protocolVersion: 5 } })
      const names = ["g1", "t1", "t2", "t3"]
      yield* allSeeAll([t1, t2, t3], [g1], names)
      for (const [t, n] of [[t1, 1], [t2, 2], [t3, 3]] as const) {
        yield* t.member.send("g1", new Hello({ from: t.name, n }))
        yield* waitGo(g1, isJsonMessage({ _tag: "Hello", from: t.name, n }), periods(3), `UDP ${t.name} -> Go(5)`)
      }
      // Rounds of bare probes (framed or not as each policy says) and gossip.
      yield* Effect.sleep(periods(5))
      yield* allSeeAll([t1, t2, t3], [g1], names, periods(1))
      expect(g1.stderr()).not.toMatch(/invalid checksum/)
      yield* nothingRefused
      goQuiet([g1])
    }))

  it.scopedLive("a TS node at protocol 1 with a key (encryption version 0, padded) and Go nodes at 2", () =>
    Effect.gen(function*() {
      // (Go itself cannot run at protocol 1 here: below 2 it ignores the ports
      // peers advertise and assumes its own, so nodes must differ by IP.)
      const k = key(24)
      const g1 = yield* go({ name: "g1", keys: [b64(k)] })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)], config: { protocolVersion: 1, secretKeys: [k] } })
      const g2 = yield* go({ name: "g2", keys: [b64(k)], join: [formatAddress(t1.address)] })
      yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"])
      const box = yield* inbox(t1)
      yield* goCommand(g1, `send t1 {"_tag":"Hello","from":"g1","n":7}`)
      yield* goCommand(g2, `send-reliable t1 {"_tag":"Hello","from":"g2","n":8}`)
      yield* received(box, (r) => r.message._tag === "Hello" && r.message.n === 7, periods(3), "UDP Go -> TS(1)")
      yield* received(box, (r) => r.message._tag === "Hello" && r.message.n === 8, periods(3), "TCP Go -> TS(1)")
      yield* t1.member.send("g1", new Hello({ from: "t1", n: 9 }))
      yield* t1.member.sendReliable("g2", new Hello({ from: "t1", n: 10 }))
      yield* waitGo(g1, isJsonMessage({ _tag: "Hello", from: "t1", n: 9 }), periods(3), "UDP TS(1) -> Go")
      yield* waitGo(g2, isJsonMessage({ _tag: "Hello", from: "t1", n: 10 }), periods(3), "TCP TS(1) -> Go")
      // Some rounds of probes and gossip later, still one cluster.
      yield* Effect.sleep(periods(3))
      yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"], periods(1))
      yield* nothingRefused
      goQuiet([g1, g2])
    }))
})
