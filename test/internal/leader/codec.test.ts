import { describe, expect, it } from "@effect/vitest"
import { decodeElectionMessage, encodeElectionMessage } from "../../../src/internal/leader/codec.js"
import { defaultElectionConfig, invalidElectionConfig } from "../../../src/internal/leader/config.js"
import type { ElectionMessage } from "../../../src/internal/leader/messages.js"
import { decodeSystemEnvelope, encodeSystemEnvelope, SystemChannel } from "../../../src/internal/shell/systemEnvelope.js"

const samples: ReadonlyArray<ElectionMessage> = [
  { _tag: "PreVote", term: 0, size: 100 },
  { _tag: "PreVoteReply", term: 7, round: 6, granted: true },
  { _tag: "PreVoteReply", term: 2 ** 40, round: 2 ** 40 - 1, granted: false },
  { _tag: "Vote", term: 12, size: 4_294_967_295 },
  { _tag: "VoteReply", term: 12, granted: false },
  { _tag: "Heartbeat", term: Number.MAX_SAFE_INTEGER },
  { _tag: "Stale", term: 3 }
]

describe("election codec", () => {
  it("round-trips every kind of message", () => {
    for (const message of samples) expect(decodeElectionMessage(encodeElectionMessage(message))).toEqual(message)
  })

  it("refuses a wrong length, an unknown kind, a flag other than 0 or 1, and a term past 2^53", () => {
    const heartbeat = encodeElectionMessage({ _tag: "Heartbeat", term: 1 })
    expect(decodeElectionMessage(heartbeat.subarray(0, 8))).toBeUndefined()
    expect(decodeElectionMessage(new Uint8Array([...heartbeat, 0]))).toBeUndefined()
    expect(decodeElectionMessage(new Uint8Array([9, ...heartbeat.subarray(1)]))).toBeUndefined()
    expect(decodeElectionMessage(new Uint8Array([0, ...heartbeat.subarray(1)]))).toBeUndefined()
    const reply = encodeElectionMessage({ _tag: "VoteReply", term: 1, granted: true })
    reply[9] = 2
    expect(decodeElectionMessage(reply)).toBeUndefined()
    const huge = new Uint8Array(9)
    huge[0] = 5
    huge.fill(0xff, 1)
    expect(decodeElectionMessage(huge)).toBeUndefined()
    expect(decodeElectionMessage(new Uint8Array(0))).toBeUndefined()
  })

  it("wraps a body in the system envelope, and reads nothing else as one", () => {
    const body = encodeElectionMessage({ _tag: "Stale", term: 3 })
    const wrapped = encodeSystemEnvelope(SystemChannel.Leader, body)
    expect(Array.from(wrapped.subarray(0, 3))).toEqual([0xb5, 0x1e, 1])
    expect(decodeSystemEnvelope(wrapped)).toEqual({ channel: SystemChannel.Leader, body })
    // The other envelopes of ours (broadcast, sender, keyed broadcast) and a plain msgpack string are not.
    for (const second of [0x01, 0x02, 0x03, 0x61]) expect(decodeSystemEnvelope(new Uint8Array([0xb5, second, 1, 2]))).toBeUndefined()
    expect(decodeSystemEnvelope(new Uint8Array([0xb5, 0x1e]))).toBeUndefined()
  })
})

describe("election config", () => {
  it("accepts the defaults and refuses unusable timings", () => {
    expect(invalidElectionConfig(defaultElectionConfig)).toBeUndefined()
    expect(invalidElectionConfig({ ...defaultElectionConfig, electionTimeoutMax: 3000 })).toMatch(/above/)
    expect(invalidElectionConfig({ ...defaultElectionConfig, heartbeatInterval: 2000 })).toMatch(/heartbeat/)
    expect(invalidElectionConfig({ ...defaultElectionConfig, heartbeatInterval: -1 })).toMatch(/positive/)
    expect(invalidElectionConfig({ ...defaultElectionConfig, electionTimeoutMin: Number.NaN })).toMatch(/positive/)
  })
})
