/**
 * Recently seen nonces of encrypted packets (replayWindow.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { ReplayWindow } from "../../../src/internal/shell/replayWindow.js"
import { encodePacket } from "../../../src/internal/wire/packet.js"

const key = new Uint8Array(16).fill(7)
const ping = { _tag: "Ping", seqNo: 1, node: "x" } as const

describe("ReplayWindow", () => {
  it("a packet seen once passes; the same bytes again are a replay; a fresh encryption of the same message is not", () => {
    const window = new ReplayWindow(16)
    const packet = encodePacket([ping], { encryption: { key, version: 1 }, label: "prod" })
    expect(window.replayed(packet)).toBe(false)
    expect(window.replayed(packet)).toBe(true)
    expect(window.replayed(encodePacket([ping], { encryption: { key, version: 1 }, label: "prod" }))).toBe(false)
  })

  it("remembers at most its capacity, forgetting the oldest", () => {
    const window = new ReplayWindow(100)
    const packets = Array.from({ length: 1000 }, () => encodePacket([ping], { encryption: { key, version: 1 } }))
    for (const p of packets) expect(window.replayed(p)).toBe(false)
    expect(window.size).toBe(100)
    expect(window.replayed(packets[999]!)).toBe(true)
    expect(window.replayed(packets[0]!)).toBe(false)
  })
})
