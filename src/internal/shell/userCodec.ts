/**
 * Turns the application's message values into bytes and back, through its
 * Schema: msgpack (compact, the default) or JSON (readable by any peer,
 * handy next to Go nodes).
 *
 * @internal
 */
import { MsgPack } from "@effect/platform"
import { Effect, type ParseResult, Schema } from "effect"

/** The two encodings a message schema can travel in. */
export type MessageEncoding = "msgpack" | "json"

/** Encode and decode functions for one schema. */
export interface UserCodec<A> {
  readonly encode: (value: A) => Effect.Effect<Uint8Array, ParseResult.ParseError>
  readonly decode: (bytes: Uint8Array) => Effect.Effect<A, ParseResult.ParseError>
}

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()

/**
 * Codecs made so far, by schema: building one derives a Schema class (most of a member's start-up
 * when every member of a process shares one schema). Weak, so a schema dropped by the application
 * takes its codecs with it.
 */
const made = new WeakMap<Schema.Schema<any, any>, Partial<Record<MessageEncoding, UserCodec<any>>>>()

/** A codec for `schema` in `encoding`, shared by every member that uses that schema. */
export const makeUserCodec = <A, I>(schema: Schema.Schema<A, I>, encoding: MessageEncoding): UserCodec<A> => {
  let forSchema = made.get(schema)
  if (forSchema === undefined) {
    forSchema = {}
    made.set(schema, forSchema)
  }
  return (forSchema[encoding] ??= build(schema, encoding)) as UserCodec<A>
}

const build = <A, I>(schema: Schema.Schema<A, I>, encoding: MessageEncoding): UserCodec<A> => {
  if (encoding === "json") {
    const json = Schema.parseJson(schema)
    const encode = Schema.encode(json)
    const decode = Schema.decodeUnknown(json)
    return {
      encode: (value) => Effect.map(encode(value), (text) => textEncoder.encode(text)),
      decode: (bytes) => Effect.suspend(() => decode(textDecoder.decode(bytes)))
    }
  }
  const packed = MsgPack.schema(schema)
  const encode = Schema.encode(packed)
  const decode = Schema.decodeUnknown(packed)
  return { encode, decode: (bytes) => decode(bytes) }
}
