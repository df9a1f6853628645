/**
 * A join's greetings are one messages array sent to every member (join.ts),
 * and the Node runtime encodes a run of sends of the same array once
 * (nodeRuntime.ts), except when it encrypts: each encrypted packet needs its
 * own nonce.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as SwimConfig from "../../../src/SwimConfig.js"
import type { Address } from "../../../src/Transport.js"
import { make, type NodeRuntimeOptions, type Outgoing } from "../../../src/internal/shell/nodeRuntime.js"
import { makeWireOptions } from "../../../src/internal/shell/wireOptions.js"
import type { PacketMessage } from "../../../src/internal/swim/messages.js"
import * as Keyring from "../../../src/internal/wire/keyring.js"
import { decodePacket } from "../../../src/internal/wire/packet.js"
import { addressOf, CoreDriver, NodeState, pushState } from "../swim/driver.js"

/** A Node runtime whose packets land in `sent`; `send` touches nothing else of the options. */
const runtimeWith = (encrypted: boolean) => {
  const ring = Either.getOrThrow(Keyring.make([new Uint8Array(16).fill(7)]))
  const wire = makeWireOptions(SwimConfig.lan({ name: "a", compression: true }), () => (encrypted ? ring : undefined))
  const sent: Array<Outgoing> = []
  const options = {
    wire,
    sender: { unsafeOffer: (packet: Outgoing) => sent.push(packet) > 0 },
    metrics: { count: () => {}, countAs: () => {} },
    telemetry: { observe: () => {} }
  } as unknown as NodeRuntimeOptions<unknown>
  return { runtime: make(options), sent, wire }
}

const greeting: ReadonlyArray<PacketMessage> = [{
  _tag: "Alive",
  incarnation: 1,
  node: "newcomer",
  address: { host: "127.0.0.1", port: 7000 },
  meta: new Uint8Array(0),
  versions: [1, 5, 5, 2, 5, 5]
}]
const targets: ReadonlyArray<Address> = [1, 2, 3].map((i) => ({ host: "127.0.0.1", port: 7000 + i }))

describe("a join's greetings", () => {
  it("are one messages array, the same for every member greeted", () => {
    const d = new CoreDriver({ name: "joiner" })
    d.advanceTo(1000)
    d.input({ _tag: "Join", seeds: [addressOf("s1")] })
    const [token] = d.outputsOf("PushPullStart").map((s) => s.token)
    const mark = d.mark()
    const states = ["s1", "m2", "m3", "m4"].map((n) => pushState(n, NodeState.Alive, 1))
    d.input({ _tag: "PushPullResponse", token: token!, states })
    const greetings = d.sent("Alive", mark).filter(({ message }) => message.node === "joiner")
    expect(greetings.length).toBe(4)
    for (const { packet } of greetings) expect(packet.messages).toBe(greetings[0]!.packet.messages)
  })

  it("are encoded once by the Node runtime, and every copy decodes to the greeting", () => {
    const { runtime, sent, wire } = runtimeWith(false)
    for (const to of targets) runtime.send({ _tag: "SendPacket", to, messages: greeting, crc: true, probe: false })
    expect(sent.map((p) => p.to)).toEqual(targets)
    for (const p of sent) expect(p.bytes).toBe(sent[0]!.bytes)
    const decoded = Either.getOrThrow(decodePacket(sent[0]!.bytes, wire.decodePacket()))
    expect(decoded.messages.map((m) => m._tag)).toEqual(["Alive"])
    // another array, even with the same content, is encoded anew
    runtime.send({ _tag: "SendPacket", to: targets[0]!, messages: [...greeting], crc: true, probe: false })
    expect(sent[3]!.bytes).not.toBe(sent[0]!.bytes)
  })

  it("are encoded apart when encrypted, each with its own nonce", () => {
    const { runtime, sent, wire } = runtimeWith(true)
    for (const to of targets) runtime.send({ _tag: "SendPacket", to, messages: greeting, crc: true, probe: false })
    expect(new Set(sent.map((p) => p.bytes)).size).toBe(targets.length)
    expect(Buffer.from(sent[0]!.bytes).equals(Buffer.from(sent[1]!.bytes))).toBe(false)
    for (const p of sent) expect(Either.isRight(decodePacket(p.bytes, wire.decodePacket()))).toBe(true)
  })
})
