/**
 * Interop of the application's hooks with HashiCorp memberlist (Go, through
 * test/interop/peer): application state crosses push/pulls both ways, at
 * join and periodically; and a mixed cluster delivers our broadcasts to Go
 * nodes as a Go broadcaster would, plain and once, while our members still
 * get keyed, deduplicated broadcasts.
 *
 * Bounds are in protocol periods of the local preset (probe interval 1 s).
 */
import { counterTotal } from "../../src/internal/metricTotal.js"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Metric, Stream } from "effect"
import { afterAll, afterEach, beforeAll } from "vitest"
import * as Memberlist from "../../src/Memberlist.js"
import type { Received } from "../../src/Memberlist.js"
import { makeUserCodec } from "../../src/internal/shell/userCodec.js"
import type { Address } from "../../src/Transport.js"
import { eventually, Hello, Invalidate, type Message, Messages, type StartOptions, startMember, type TestMember } from "../support/cluster.js"
import { ensureGoPeerBuilt, type GoPeer, type GoPeerEvent, type GoPeerOptions, startGoPeer, stopAll } from "./goPeer.js"

const periods = (n: number): number => n * 1_000
const toAddress = (hostPort: string): Address => {
  const i = hostPort.lastIndexOf(":")
  return { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) }
}
const go = (options: GoPeerOptions) => Effect.promise(() => startGoPeer(options))
const ts = (options: StartOptions) => Effect.acquireRelease(startMember({ encoding: "json", ...options }), (m) => m.stop)
const waitGo = (peer: GoPeer, predicate: (e: GoPeerEvent) => boolean, ms: number, description: string) =>
  Effect.promise(() => peer.waitFor(predicate, ms, { description }))
const goSees = (peer: GoPeer, names: ReadonlyArray<string>) => Effect.promise(() => peer.waitForMembers(names, periods(10)))
const tsSees = (member: TestMember, names: ReadonlyArray<string>) =>
  eventually(
    Effect.map(member.member.members, (all) => all.map((m) => m.name).sort().join(",") === [...names].sort().join(",")),
    Duration.millis(periods(10)),
    `${member.name} sees ${names.join(",")}`
  )

const utf8 = new TextEncoder()
const text = new TextDecoder()

/** What a TS member's mergeRemoteState received, as `text/join`. */
const recorder = () => {
  const merged: Array<string> = []
  return {
    merged,
    mergeRemoteState: (state: Uint8Array, join: boolean) => Effect.sync(() => merged.push(`${text.decode(state)}/${join}`)),
    got: (entry: string, ms: number) =>
      eventually(Effect.sync(() => merged.includes(entry)), Duration.millis(ms), `mergeRemoteState got ${entry}`)
  }
}

const remoteState = (value: string, join: boolean) => (e: GoPeerEvent) => e.event === "remote-state" && e.text === value && e.join === join

/** The messages a Go peer's application received, as base64 payloads. */
const goPayloads = (peer: GoPeer): Array<string> => peer.events.flatMap((e) => (e.event === "message" ? [e.payload] : []))

/** No Go node logged a warning or an error (memberlist logs every push/pull or message it refuses). */
const goQuiet = (peers: ReadonlyArray<GoPeer>): void => {
  for (const p of peers) expect(p.stderr().split("\n").filter((l) => /\[(ERR|ERROR|WARN)\]/.test(l))).toEqual([])
}

beforeAll(() => ensureGoPeerBuilt(), 180_000)
afterEach(() => stopAll())
afterAll(() => stopAll())

describe("application state with Go memberlist", () => {
  it.scopedLive("crosses both ways when TS joins Go, when Go joins TS, and on periodic push/pulls", () =>
    Effect.gen(function*() {
      const pushPull = { pushPullIntervalMs: 1_000 }
      const g1 = yield* go({ name: "g1", state: "g1-state", ...pushPull })
      const r1 = recorder()
      let round = "join"
      const t1 = yield* ts({
        name: "t1",
        seeds: [toAddress(g1.address)],
        config: { pushPullInterval: Duration.seconds(1) },
        hooks: {
          localState: (join) => Effect.sync(() => utf8.encode(`t1-${round}:${join}`)),
          mergeRemoteState: r1.mergeRemoteState
        }
      })
      // TS joined Go: each side's state reached the other's delegate, both flagged as a join.
      yield* r1.got("g1-state/true", periods(2))
      yield* waitGo(g1, remoteState("t1-join:true", true), periods(2), "g1 merges t1's join state")

      // Go joins TS: g2 starts the push/pull and t1 answers it.
      const g2 = yield* go({ name: "g2", state: "g2-state", join: [t1.address.host + ":" + t1.address.port], ...pushPull })
      yield* r1.got("g2-state/true", periods(2))
      yield* waitGo(g2, remoteState("t1-join:true", true), periods(2), "g2 merges t1's answer to its join")

      // Periodic push/pulls (1 s on both sides) carry the state each side holds now, as non-joins.
      round = "later"
      g1.command("state g1-later")
      yield* waitGo(g1, (e) => e.event === "state", periods(1), "g1 changes its state")
      yield* r1.got("g1-later/false", periods(8))
      yield* Effect.all([
        waitGo(g1, remoteState("t1-later:false", false), periods(8), "g1 merges t1's periodic state"),
        waitGo(g2, remoteState("t1-later:false", false), periods(8), "g2 merges t1's periodic state"),
        r1.got("g2-state/false", periods(8))
      ], { concurrency: "unbounded", discard: true })
      yield* Effect.all([goSees(g1, ["g1", "g2", "t1"]), goSees(g2, ["g1", "g2", "t1"]), tsSees(t1, ["g1", "g2", "t1"])], {
        concurrency: "unbounded",
        discard: true
      })
      goQuiet([g1, g2])
    }))
})

describe("filterJoin with Go memberlist", () => {
  it.scopedLive("a Go node the filter refuses never becomes a member of ours, though it joins through us and keeps talking", () =>
    Effect.gen(function*() {
      const blueOnly = (c: { readonly meta: Uint8Array }) => (text.decode(c.meta) === "blue" ? undefined : "not the blue cluster")
      const t1 = yield* ts({ name: "t1", seeds: [], hooks: { meta: utf8.encode("blue"), filterJoin: blueOnly } })
      const events: Array<string> = []
      yield* Effect.forkScoped(Stream.runForEach(yield* t1.member.events, (e) => Effect.sync(() => events.push(e._tag))))
      const before = Effect.runSync(counterTotal(Metric.tagged(Memberlist.metrics.refusals, "reason", "filterJoin")))
      const red = yield* go({ name: "red", meta: "red", join: [`${t1.address.host}:${t1.address.port}`] })
      // The Go node took our answer: it holds t1. We never hold it, through ten periods of its gossip and probes.
      yield* goSees(red, ["red", "t1"])
      for (let i = 0; i < 10; i++) {
        yield* Effect.sleep(Duration.millis(periods(1)))
        expect((yield* t1.member.allMembers).map((m) => m.name)).toEqual(["t1"])
      }
      expect(events).toEqual([])
      const after = Effect.runSync(counterTotal(Metric.tagged(Memberlist.metrics.refusals, "reason", "filterJoin")))
      expect(after - before).toBeGreaterThan(1)
    }))
})

describe("broadcasts in a mixed cluster", () => {
  it.scopedLive("a TS broadcast reaches each Go node once, byte for byte; TS members get it once, keyed and deduplicated", () =>
    Effect.gen(function*() {
      const g1 = yield* go({ name: "g1" })
      const g2 = yield* go({ name: "g2", join: [g1.address] })
      const t1 = yield* ts({ name: "t1", seeds: [toAddress(g1.address)] })
      yield* goSees(g2, ["g1", "g2", "t1"]) // t2's seed must know t1 first
      const t2 = yield* ts({ name: "t2", seeds: [toAddress(g2.address)] })
      const all = ["g1", "g2", "t1", "t2"]
      yield* Effect.all([goSees(g1, all), goSees(g2, all), tsSees(t1, all), tsSees(t2, all)], { concurrency: "unbounded", discard: true })
      const box: Array<Received<Message>> = []
      yield* Effect.forkScoped(Stream.runForEach(yield* t2.member.receive, (r) => Effect.sync(() => box.push(r))))

      // What the application broadcasts, and the bytes its codec makes of it: what Go must get.
      const values: ReadonlyArray<Message> = [
        new Hello({ from: "t1", n: 1 }),
        new Hello({ from: "t1", n: 2 }),
        new Invalidate({ key: "config" })
      ]
      const codec = makeUserCodec(Messages, "json")
      const expected = yield* Effect.forEach(values, (v) => Effect.map(codec.encode(v), (b) => Buffer.from(b).toString("base64")))
      yield* t1.member.broadcast(values[0]!)
      yield* t1.member.broadcast(values[1]!)
      yield* t1.member.broadcast(values[2]!, { key: "config" })

      yield* Effect.all([
        ...[g1, g2].flatMap((g) => expected.map((payload) => waitGo(g, (e) => e.event === "message" && e.payload === payload, periods(3), `${g.name} gets ${payload}`))),
        eventually(Effect.sync(() => box.length >= 3), Duration.millis(periods(3)), "t2 gets the three broadcasts")
      ], { concurrency: "unbounded", discard: true })
      // Settle past every retransmission (11 sends at most, gossip every 100 ms), then count.
      yield* Effect.sleep(Duration.millis(periods(3)))
      for (const g of [g1, g2]) expect(goPayloads(g).sort()).toEqual([...expected].sort())
      // Each once, from t1 (gossip sends the newest first, so the order may differ).
      expect(box.length).toBe(values.length)
      expect(box.every((r) => r.origin === "t1")).toBe(true)
      expect(box.map((r) => r.message)).toEqual(expect.arrayContaining([...values]))
      goQuiet([g1, g2])
    }))
})
