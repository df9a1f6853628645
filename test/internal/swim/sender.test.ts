/**
 * Who sent a user message: the core names the member at a packet's source
 * address, or the one a sender envelope names; and the envelope goes only
 * to members whose delegate versions say they read it.
 */
import { describe, expect, it } from "vitest"
import { defaultVersions } from "../../../src/internal/swim/config.js"
import { NodeState } from "../../../src/internal/swim/messages.js"
import {
  decodeSenderEnvelope,
  encodeSenderEnvelope,
  ownVersions,
  wantsSenderEnvelope
} from "../../../src/internal/swim/sender.js"
import { encodeEnvelope } from "../../../src/internal/swim/userBroadcast.js"
import { verifyProtocol } from "../../../src/internal/swim/versions.js"
import { addressOf, CoreDriver } from "./driver.js"

const bytes = (...values: ReadonlyArray<number>) => new Uint8Array(values)
const user = (payload: Uint8Array) => ({ _tag: "User", payload }) as const

/** The user messages a step delivered, without the bytes' identity. */
const delivered = (d: CoreDriver, since: number) =>
  d.outputsOf("UserMessage", since).map(({ origin, payload, sender }) => ({ sender, origin, payload: Array.from(payload) }))

describe("the sender envelope", () => {
  it("round-trips a name (multi-byte UTF-8 included) and leaves the body as is", () => {
    for (const name of ["a", "node-7", "nœud-é", "x".repeat(600)]) {
      const wrapped = encodeSenderEnvelope(name, bytes(1, 2, 3))
      expect(wrapped.subarray(0, 2)).toEqual(bytes(0xb5, 0x02))
      const opened = decodeSenderEnvelope(wrapped)
      expect(opened?.sender).toBe(name)
      expect(Array.from(opened!.body)).toEqual([1, 2, 3])
    }
    expect(Array.from(decodeSenderEnvelope(encodeSenderEnvelope("a", bytes()))!.body)).toEqual([])
  })

  it("is not read into what is not one: plain bytes, a broadcast envelope, an empty or cut name, bad UTF-8", () => {
    const notOnes = [
      bytes(),
      bytes(0xb5),
      bytes(0x82, 0xa1, 0x5f),
      encodeEnvelope("a", 1, bytes(1)),
      bytes(0xb5, 0x02, 0, 0, 1),
      bytes(0xb5, 0x02, 0, 5, 0x61),
      bytes(0xb5, 0x02, 0, 1, 0xff)
    ]
    for (const payload of notOnes) expect(decodeSenderEnvelope(payload)).toBeUndefined()
  })
})

describe("delegate versions: who gets the envelope", () => {
  it("we advertise delegate range 0..1 at version 0, which memberlist's verifyProtocol accepts beside a Go node's 0..0", () => {
    const ours = ownVersions(2)
    expect(ours).toEqual([1, 5, 2, 0, 1, 0])
    const go = { name: "go", state: NodeState.Alive, versions: defaultVersions }
    const ts = { name: "ts", state: NodeState.Alive, versions: ours }
    expect(verifyProtocol([go], [ts])).toBeUndefined()
    expect(verifyProtocol([ts], [go])).toBeUndefined()
  })

  it("only a known member whose delegate maximum is 1 or more gets it; a Go member (0..0) or an unknown address does not", () => {
    const d = new CoreDriver({ versions: ownVersions(2) })
    d.addMember("ours", { versions: ownVersions(2) })
    d.addMember("go", { versions: [1, 5, 2, 0, 0, 0] })
    d.addMember("later", { versions: [1, 5, 2, 0, 3, 0] })
    expect(wantsSenderEnvelope(d.state, addressOf("ours"))).toBe(true)
    expect(wantsSenderEnvelope(d.state, addressOf("later"))).toBe(true)
    expect(wantsSenderEnvelope(d.state, addressOf("go"))).toBe(false)
    expect(wantsSenderEnvelope(d.state, addressOf("stranger"))).toBe(false)
  })
})

describe("the sender of a delivered user message", () => {
  it("a packet from a member's address names it; from an address no member has, no one", () => {
    const d = new CoreDriver()
    d.addMember("a")
    const mark = d.mark()
    d.receive("a", user(bytes(1)))
    d.receive(addressOf("stranger"), user(bytes(2)))
    expect(delivered(d, mark)).toEqual([
      { sender: "a", origin: undefined, payload: [1] },
      { sender: undefined, origin: undefined, payload: [2] }
    ])
  })

  it("an envelope names its sender, unwrapped, even on a stream from a port no member has", () => {
    const d = new CoreDriver()
    d.addMember("a")
    const mark = d.mark()
    const ephemeral = { ...addressOf("a"), port: 53211 }
    d.input({ _tag: "Received", from: ephemeral, messages: [user(encodeSenderEnvelope("a", bytes(7, 8)))], via: "stream" })
    d.input({ _tag: "Received", from: ephemeral, messages: [user(bytes(9))], via: "stream" })
    expect(delivered(d, mark)).toEqual([
      { sender: "a", origin: undefined, payload: [7, 8] },
      { sender: undefined, origin: undefined, payload: [9] }
    ])
  })

  it("a broadcast names its origin and, as sender, the member that relayed it to us", () => {
    const d = new CoreDriver()
    d.addMembers(["origin", "relay"])
    const mark = d.mark()
    d.receive("relay", user(encodeEnvelope("origin", 1, bytes(5))))
    expect(delivered(d, mark)).toEqual([{ sender: "relay", origin: "origin", payload: [5] }])
  })
})
