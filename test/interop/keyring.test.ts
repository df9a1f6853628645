/**
 * Interop: live key rotation in a running mixed cluster on 127.0.0.1, two
 * HashiCorp memberlist nodes (Go, driven through test/interop/peer's key
 * commands, which call memberlist's own Keyring) and two TS members
 * (`Memberlist.keyring`). Each step of memberlist's rotation procedure is
 * applied on every member before the next: install K2, use K2, remove K1.
 * Throughout, every member stays alive in every view with no suspicion on
 * either side, and user messages cross both ways. Then a member holding only
 * the retired K1 is kept out.
 *
 * Bounds are in protocol periods of the local preset (probe interval 1 s on
 * both sides). Needs golang-go and golang-github-hashicorp-memberlist-dev.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Metric, Redacted, Ref, Stream } from "effect"
import { randomBytes } from "node:crypto"
import { afterAll, afterEach, beforeAll } from "vitest"
import type * as Keyring from "../../src/Keyring.js"
import type { MembershipEvent, Received } from "../../src/Memberlist.js"
import { decodeRejected } from "../../src/internal/shell/metrics.js"
import { counterTotal } from "../../src/internal/metricTotal.js"
import { formatAddress } from "../../src/internal/swim/messages.js"
import type { Address } from "../../src/Transport.js"
import { eventually, Hello, type Message, type StartOptions, startMember, type TestMember } from "../support/cluster.js"
import { ensureGoPeerBuilt, type GoPeer, type GoPeerEvent, type GoPeerOptions, startGoPeer, stopAll } from "./goPeer.js"

// ---- time ----------------------------------------------------------------------

/** The local preset's probe interval, on both sides. */
const PROBE_MS = 1_000
const periods = (n: number): Duration.Duration => Duration.millis(n * PROBE_MS)
const ms = (d: Duration.Duration): number => Duration.toMillis(d)
/** Convergence of a small cluster: a join push/pull, then gossip every 100 ms. */
const CONVERGE = periods(10)

// ---- helpers -------------------------------------------------------------------

const toAddress = (hostPort: string): Address => {
  const i = hostPort.lastIndexOf(":")
  return { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) }
}
const promise = <A>(f: () => Promise<A>): Effect.Effect<A> => Effect.promise(f)
const sorted = (names: ReadonlyArray<string>): Array<string> => [...names].sort()

const go = (options: GoPeerOptions): Effect.Effect<GoPeer> => promise(() => startGoPeer(options))
/** A TS member with JSON messages (the Go side reads them as text), stopped with the test's scope. */
const ts = (options: StartOptions) =>
  Effect.acquireRelease(startMember({ encoding: "json", ...options }), (member) => member.stop)

const key = (): Uint8Array => new Uint8Array(randomBytes(32))
const b64 = (k: Uint8Array): string => Buffer.from(k).toString("base64")

/** Every TS and Go node sees exactly `names`, all alive, within `limit`. */
const allSeeAll = (
  tsNodes: ReadonlyArray<TestMember>,
  goNodes: ReadonlyArray<GoPeer>,
  names: ReadonlyArray<string>,
  limit: Duration.Duration
) => {
  const want = sorted(names).join(",")
  const tsSees = eventually(
    Effect.map(
      Effect.forEach(tsNodes, (t) => t.member.allMembers),
      (views) => views.every((view) => sorted(view.filter((m) => m.state === "alive").map((m) => m.name)).join(",") === want && view.length === names.length)
    ),
    limit,
    `TS nodes see exactly [${want}] alive`
  )
  const goSees = (peer: GoPeer) =>
    promise(async () => {
      const deadline = Date.now() + ms(limit)
      for (;;) {
        const seen = await peer.members()
        if (sorted(seen.filter((m) => m.state === "alive").map((m) => m.name)).join(",") === want && seen.length === names.length) return
        if (Date.now() > deadline) throw new Error(`go ${peer.name}: not within ${ms(limit)} ms: [${want}] alive; saw ${JSON.stringify(seen)}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    })
  return Effect.all([tsSees, ...goNodes.map(goSees)], { concurrency: "unbounded", discard: true })
}

/** Runs one Go command and waits for its `reply` event (or fails on its "error"). */
const goReply = <E extends GoPeerEvent["event"]>(peer: GoPeer, line: string, reply: E) =>
  promise(async () => {
    const since = peer.events.length
    peer.command(line)
    const e = await peer.waitFor((e) => e.event === reply || e.event === "error", 5_000, { since, description: `reply to ${line}` })
    if (e.event === "error") throw new Error(`go peer ${peer.name}: ${line}: ${e.message}`)
    return e as Extract<GoPeerEvent, { event: E }>
  })

/** A Go peer's installed keys, base64, primary first. */
const goKeys = (peer: GoPeer) => Effect.map(goReply(peer, "keys", "keys"), (e) => e.keys)

/** Waits for a Go "message" event carrying `Hello { from, n }` (in any key order), from event index `since`. */
const goReceived = (peer: GoPeer, from: string, n: number, since: number, limit: Duration.Duration) =>
  promise(() =>
    peer.waitFor((e) => {
      if (e.event !== "message" || e.text === undefined) return false
      try {
        const m = JSON.parse(e.text) as { _tag?: unknown; from?: unknown; n?: unknown }
        return m._tag === "Hello" && m.from === from && m.n === n
      } catch {
        return false
      }
    }, ms(limit), { since, description: `Hello from ${from} #${n}` })
  )

/** What a TS member receives from now on. */
const inbox = (m: TestMember) =>
  Effect.gen(function*() {
    const got: Array<Received<Message>> = []
    const messages = yield* m.member.receive
    yield* Effect.forkScoped(Stream.runForEach(messages, (r) => Effect.sync(() => got.push(r))))
    return got
  })

/** Every event a TS member publishes from now on. */
const recordEvents = (m: TestMember) =>
  Effect.gen(function*() {
    const seen = yield* Ref.make<ReadonlyArray<MembershipEvent>>([])
    const events = yield* m.member.events
    yield* Effect.forkScoped(Stream.runForEach(events, (e) => Ref.update(seen, (all) => [...all, e])))
    return seen
  })

/** Go log lines that mean a suspicion, a failure, or a refused packet or stream (memberlist logs each). */
const goTrouble = (peer: GoPeer): Array<string> =>
  peer.stderr().split("\n").filter((l) => /\[(ERR|ERROR|WARN)\]|Suspect .* has failed|Marking .* as failed|Refuting/.test(l))

const decryptFailures = counterTotal(Metric.tagged(decodeRejected, "reason", "DecryptFailed"))

beforeAll(() => ensureGoPeerBuilt(), 180_000)
afterEach(() => stopAll())
afterAll(() => stopAll())

// ---- test ------------------------------------------------------------------------

describe("interop: live key rotation with HashiCorp memberlist (Go)", () => {
  it.scopedLive(
    "2 TS + 2 Go members rotate K1 -> K2 (install, use, remove on every member): no suspicion, messages cross; a member with only K1 is kept out",
    () =>
      Effect.gen(function*() {
        const K1 = key()
        const K2 = key()
        const names = ["g1", "g2", "t1", "t2"]

        // The cluster on K1, formed as in interop.test.ts: each joiner's seed knows the nodes before it.
        const g1 = yield* go({ name: "g1", keys: [b64(K1)] })
        const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)], config: { secretKeys: [Redacted.make(K1)] } })
        const g2 = yield* go({ name: "g2", keys: [b64(K1)], join: [formatAddress(t1.address)] })
        yield* allSeeAll([t1], [g1, g2], ["g1", "g2", "t1"], CONVERGE)
        const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)], config: { secretKeys: [Redacted.make(K1)] } })
        yield* allSeeAll([t1, t2], [g1, g2], names, CONVERGE)

        const tsNodes = [t1, t2]
        const goNodes = [g1, g2]
        const tsLogs = yield* Effect.forEach(tsNodes, recordEvents)
        const boxes = yield* Effect.forEach(tsNodes, inbox)
        const goSince = goNodes.map((g) => g.events.length)
        const failedBefore = yield* decryptFailures
        let n = 0

        /** Nothing went wrong so far: no suspicion, failure or leave on either side, nothing refused. */
        const untroubled = (phase: string) =>
          Effect.gen(function*() {
            for (const [i, log] of tsLogs.entries()) {
              const accused = (yield* Ref.get(log)).filter((e) =>
                e._tag === "MemberSuspected" || e._tag === "MemberFailed" || e._tag === "MemberLeft"
              )
              expect(accused.map((e) => `${tsNodes[i]!.name}: ${e._tag}`), phase).toEqual([])
            }
            for (const [i, g] of goNodes.entries()) {
              // memberlist's NotifyLeave fires for a node declared dead as well as one that left.
              expect(g.events.slice(goSince[i]).filter((e) => e.event === "leave"), `${phase}: ${g.name} events`).toEqual([])
              expect(goTrouble(g), `${phase}: ${g.name} log`).toEqual([])
            }
            expect(yield* decryptFailures, `${phase}: TS packets or streams that failed to decrypt`).toBe(failedBefore)
          })

        /** User messages cross both ways, by UDP and TCP, with the keyrings as they are now. */
        const messagesCross = (phase: string) =>
          Effect.gen(function*() {
            const id = ++n
            const at = goNodes.map((g) => g.events.length)
            yield* goReply(g1, `send t1 {"_tag":"Hello","from":"g1","n":${id}}`, "sent")
            yield* goReply(g2, `send-reliable t2 {"_tag":"Hello","from":"g2","n":${id}}`, "sent")
            yield* t1.member.send("g2", new Hello({ from: "t1", n: id }))
            yield* t2.member.sendReliable("g1", new Hello({ from: "t2", n: id }))
            const arrived = (box: ReadonlyArray<Received<Message>>, from: string) =>
              Effect.sync(() => box.some((r) => r.message._tag === "Hello" && r.message.from === from && r.message.n === id))
            yield* Effect.all([
              eventually(arrived(boxes[0]!, "g1"), periods(3), `${phase}: UDP g1 -> t1`),
              eventually(arrived(boxes[1]!, "g2"), periods(3), `${phase}: TCP g2 -> t2`),
              goReceived(g2, "t1", id, at[1]!, periods(3)),
              goReceived(g1, "t2", id, at[0]!, periods(3))
            ], { concurrency: "unbounded", discard: true })
          })

        /**
         * One step of the procedure on every member, half a probe interval apart (so
         * the cluster runs mixed for a while), then three intervals of probes and
         * gossip, then the checks.
         */
        const everywhere = (
          phase: string,
          onTs: (keyring: Keyring.MemberKeyring) => Effect.Effect<void, Keyring.KeyringError>,
          onGo: string
        ) =>
          Effect.gen(function*() {
            for (const step of [
              onTs(t1.member.keyring),
              goReply(g1, onGo, "keyring"),
              onTs(t2.member.keyring),
              goReply(g2, onGo, "keyring")
            ]) {
              yield* step
              yield* Effect.sleep(periods(0.5))
            }
            yield* Effect.sleep(periods(3))
            yield* allSeeAll(tsNodes, goNodes, names, periods(1))
            yield* messagesCross(phase)
            yield* untroubled(phase)
          })

        yield* messagesCross("on K1")
        yield* everywhere("install K2", (k) => k.install(Redacted.make(K2)), `key-install ${b64(K2)}`)
        yield* everywhere("use K2", (k) => k.use(Redacted.make(K2)), `key-use ${b64(K2)}`)
        yield* everywhere("remove K1", (k) => k.remove(Redacted.make(K1)), `key-remove ${b64(K1)}`)

        // Every member holds K2 alone.
        for (const t of tsNodes) {
          expect((yield* t.member.keyring.keys).map((k) => b64(Redacted.value(k)))).toEqual([b64(K2)])
        }
        for (const g of goNodes) expect(yield* goKeys(g)).toEqual([b64(K2)])

        // A new TS member holding only the retired K1, seeded with a Go and a TS member: kept out.
        const outsider = yield* ts({
          name: "outsider",
          seeds: [toAddress(g1.address), t1.address],
          config: { secretKeys: [Redacted.make(K1)] }
        })
        const joined = yield* Effect.either(outsider.member.join([toAddress(g2.address), t2.address]))
        expect(Either.isLeft(joined) && joined.left._tag).toBe("JoinFailed")
        // Several periods of its retries (it re-joins while alone every 2 periods), then look everywhere.
        yield* Effect.sleep(periods(6))
        expect((yield* outsider.member.allMembers).map((m) => m.name)).toEqual(["outsider"])
        for (const t of tsNodes) {
          expect((yield* t.member.allMembers).map((m) => m.name)).not.toContain("outsider")
        }
        for (const [i, g] of goNodes.entries()) {
          expect((yield* promise(() => g.members())).map((m) => m.name)).not.toContain("outsider")
          expect(g.events.slice(goSince[i]).filter((e) => e.event === "join" && e.name === "outsider")).toEqual([])
        }
        // It did knock: the members refused what it sent (Go logs each; ours count them).
        expect(goNodes.some((g) => goTrouble(g).some((l) => /[Dd]ecrypt|No installed keys|failed to receive|remote state/.test(l))))
          .toBe(true)
        expect(yield* decryptFailures).toBeGreaterThan(failedBefore)
        // And the four are still one cluster.
        yield* allSeeAll(tsNodes, goNodes, names, periods(1))
      }),
    120_000
  )
})
