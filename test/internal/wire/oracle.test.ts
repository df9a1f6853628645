/**
 * Bytes we encode, decoded by HashiCorp memberlist itself (our Go oracle,
 * test/interop), built on first use; without Go this suite fails with the
 * install hint rather than skipping.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { spawnSync } from "node:child_process"
import { oracleBinary } from "../../interop/oracle.js"
import { ipFromBytes } from "../../../src/internal/wire/address.js"
import { encodePacket } from "../../../src/internal/wire/packet.js"
import { encodeStream } from "../../../src/internal/wire/stream.js"
import type { PacketMessage, StreamMessage } from "./types.js"
import { packetMessage, pushPull } from "./arbitraries.js"
import { jsonish, toHex } from "./fixtureSupport.js"

const oracle = oracleBinary

type Go = Record<string, unknown>
const b64 = (v: unknown): string => (typeof v === "string" ? Buffer.from(v, "base64").toString("hex") : "")
const host = (v: unknown): string => ipFromBytes(new Uint8Array(Buffer.from(String(v ?? ""), "base64"))) ?? "?"
const vsn = (v: unknown): Array<number> => {
  const b = [...Buffer.from(String(v ?? ""), "base64")]
  return b.length === 0 ? [0, 0, 0, 0, 0, 0] : b
}
const source = (g: Go) =>
  g.SourceAddr ? { source: { address: { host: host(g.SourceAddr), port: g.SourcePort }, node: g.SourceNode } } : {}

/** memberlist's decoded struct (as JSON) in our model's JSON form. */
const fromGo = (name: string, g: Go, user?: unknown): unknown => {
  switch (name) {
    case "ping":
      return { _tag: "Ping", seqNo: g.SeqNo, node: g.Node, ...source(g) }
    case "indirectPing":
      return { _tag: "IndirectPing", seqNo: g.SeqNo, target: { host: host(g.Target), port: g.Port }, node: g.Node, nack: g.Nack, ...source(g) }
    case "ack":
      return { _tag: "Ack", seqNo: g.SeqNo, payload: b64(g.Payload) }
    case "nack":
      return { _tag: "Nack", seqNo: g.SeqNo }
    case "suspect":
      return { _tag: "Suspect", incarnation: g.Incarnation, node: g.Node, from: g.From }
    case "dead":
      return { _tag: "Dead", incarnation: g.Incarnation, node: g.Node, from: g.From }
    case "alive":
      return { _tag: "Alive", incarnation: g.Incarnation, node: g.Node, address: { host: host(g.Addr), port: g.Port }, meta: b64(g.Meta), versions: vsn(g.Vsn) }
    case "err":
      return { _tag: "ErrorResponse", error: g.Error }
    case "user":
      return { _tag: "User", payload: b64(user) }
  }
  return { unknown: name }
}

const goName: Record<number, string> = { 0: "ping", 2: "ack", 13: "err" }

interface Req {
  readonly kind: "packet" | "stream"
  readonly hex: string
  readonly keys?: ReadonlyArray<string>
  readonly label?: string
}

const runOracle = (reqs: ReadonlyArray<Req>): ReadonlyArray<Go> => {
  const r = spawnSync(oracle, ["decode"], { input: reqs.map((q) => JSON.stringify(q)).join("\n") + "\n", maxBuffer: 256 << 20 })
  if (r.status !== 0) throw new Error(`oracle failed: ${r.stderr.toString()}`)
  return r.stdout
    .toString()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Go)
}

describe("memberlist decodes what we encode", () => {
  const key = new Uint8Array(32).fill(9)
  const keyHex = toHex(key)

  it("accepts our packets: single, compound, compressed, CRC, encrypted (v0, v1), labelled", () => {
    const batches = fc.sample(fc.array(packetMessage, { minLength: 1, maxLength: 6 }), { numRuns: 300, seed: 42 })
    const variants = [
      { o: {}, q: {} },
      { o: { compress: true }, q: {} },
      { o: { crc: true, compress: true }, q: {} },
      { o: { crc: true, encryption: { key, version: 1 as const } }, q: { keys: [keyHex] } },
      { o: { encryption: { key, version: 0 as const }, compress: true }, q: { keys: [keyHex] } },
      { o: { crc: true, encryption: { key, version: 1 as const }, label: "prod" }, q: { keys: [keyHex], label: "prod" } },
      { o: { label: "prod" }, q: { label: "prod" } }
    ]
    const reqs: Array<Req> = []
    const expected: Array<ReadonlyArray<PacketMessage>> = []
    batches.forEach((msgs, i) => {
      const v = variants[i % variants.length]!
      reqs.push({ kind: "packet", hex: toHex(encodePacket(msgs, v.o)), ...v.q })
      expected.push(msgs)
    })
    const out = runOracle(reqs)
    expect(out.length).toBe(reqs.length)
    out.forEach((res, i) => {
      expect(res.error, `request ${i}`).toBeUndefined()
      const got = (res.messages as Array<Go>).map((d) => {
        expect(d.Error, `request ${i}`).toBeUndefined()
        return fromGo(String(d.Name), (d.Value ?? {}) as Go, d.User)
      })
      expect(got).toEqual(jsonish(expected[i]))
    })
  })

  it("accepts our stream frames: push/pull, user, ping, ack, err; plain, compressed, encrypted", () => {
    const frames: Array<StreamMessage> = [
      ...fc.sample(pushPull, { numRuns: 40, seed: 7 }),
      ...fc
        .sample(packetMessage, { numRuns: 200, seed: 8 })
        .filter((m) => m._tag === "Ping" || m._tag === "Ack" || m._tag === "ErrorResponse" || m._tag === "User")
    ]
    const variants = [{ o: {}, q: {} }, { o: { compress: true }, q: {} }, { o: { encryption: { key, version: 1 as const } }, q: { keys: [keyHex] } }]
    const reqs = frames.map((m, i): Req => {
      const v = variants[i % variants.length]!
      return { kind: "stream", hex: toHex(encodeStream(m, v.o)), ...v.q }
    })
    const out = runOracle(reqs)
    out.forEach((res, i) => {
      const m = frames[i]!
      expect(res.Error, `frame ${i} (${m._tag})`).toBeUndefined()
      if (m._tag === "PushPull") {
        const states = ((res.States ?? []) as Array<Go>).map((s) => ({
          name: s.Name,
          address: { host: host(s.Addr), port: s.Port },
          meta: b64(s.Meta),
          incarnation: s.Incarnation,
          state: s.State,
          versions: vsn(s.Vsn)
        }))
        // memberlist substitutes its bind port for port 0 (readRemoteState).
        const want = jsonish(m) as { states: Array<{ address: { port: number } }> }
        for (const s of want.states) if (s.address.port === 0) s.address.port = 7946
        expect({ _tag: "PushPull", join: res.Join ?? false, states, userState: b64(res.UserState) }).toEqual(want)
      } else if (m._tag === "User") {
        const got = (res.User ?? []) as Array<string>
        // memberlist delivers nothing for an empty reliable user message.
        expect(got.map(b64)).toEqual(m.payload.length === 0 ? [] : [toHex(m.payload)])
      } else {
        expect(fromGo(goName[res.Type as number]!, res.Value as Go)).toEqual(jsonish(m))
      }
    })
  })
})
