import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { makeUserCodec } from "../../../src/internal/shell/userCodec.js"

const Greeting = Schema.Struct({ text: Schema.String, n: Schema.Number })

describe("user codecs", () => {
  it("are made once per schema and encoding, and shared by every member that asks", () => {
    expect(makeUserCodec(Greeting, "msgpack")).toBe(makeUserCodec(Greeting, "msgpack"))
    expect(makeUserCodec(Greeting, "json")).toBe(makeUserCodec(Greeting, "json"))
    expect(makeUserCodec(Greeting, "json")).not.toBe(makeUserCodec(Greeting, "msgpack"))
    expect(makeUserCodec(Schema.String, "msgpack")).not.toBe(makeUserCodec(Greeting, "msgpack"))
  })

  it.effect("a shared codec round-trips in both encodings, and JSON stays readable", () =>
    Effect.gen(function*() {
      const value = { text: "hello", n: 3 }
      for (const encoding of ["msgpack", "json"] as const) {
        const codec = makeUserCodec(Greeting, encoding)
        const bytes = yield* codec.encode(value)
        expect(yield* codec.decode(bytes)).toEqual(value)
      }
      const json = yield* makeUserCodec(Greeting, "json").encode(value)
      expect(JSON.parse(new TextDecoder().decode(json))).toEqual(value)
    }))
})
