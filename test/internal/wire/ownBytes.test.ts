import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { defaultVersions } from "../../../src/internal/swim/config.js"
import { NodeState, type PushNodeState } from "../../../src/internal/swim/messages.js"
import { ownBytes } from "../../../src/internal/wire/msgpack.js"
import { decodeStream, encodeStream } from "../../../src/internal/wire/stream.js"

const state = (name: string, meta: Uint8Array): PushNodeState => ({
  name,
  address: { host: "127.0.0.1", port: 7946 },
  meta,
  incarnation: 1,
  state: NodeState.Alive,
  versions: defaultVersions
})

describe("bytes kept from a decoded frame", () => {
  it("are copies that do not view the frame, and every empty one is the same array", () => {
    const bytes = encodeStream({
      _tag: "PushPull",
      join: false,
      states: [state("a", new Uint8Array(0)), state("b", new Uint8Array(0)), state("c", new Uint8Array([1, 2, 3]))],
      userState: new Uint8Array(0)
    })
    const decoded = decodeStream(bytes)
    if (Either.isLeft(decoded) || decoded.right._tag !== "Complete" || decoded.right.message._tag !== "PushPull") {
      throw new Error("the frame did not decode")
    }
    const [a, b, c] = decoded.right.message.states
    expect(a!.meta.length).toBe(0)
    // One shared empty array, not two objects per member per view.
    expect(a!.meta).toBe(b!.meta)
    expect(Array.from(c!.meta)).toEqual([1, 2, 3])
    expect(c!.meta.buffer).not.toBe(bytes.buffer)
    expect(c!.meta.buffer.byteLength).toBe(3)
  })

  it("ownBytes copies what it is given and shares only the empty array", () => {
    const frame = new Uint8Array([9, 8, 7, 6])
    const kept = ownBytes(frame.subarray(1, 3))
    frame[1] = 0
    expect(Array.from(kept)).toEqual([8, 7])
    expect(ownBytes(new Uint8Array(0))).toBe(ownBytes(frame.subarray(2, 2)))
  })
})
