/**
 * An inbox's failure may be given as a function (inbox.ts): a closing
 * connection then builds no error, with its stack, unless a read meets it,
 * and a read that does gets the same error each time, after the chunks
 * that arrived before it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Errors from "../../../src/internal/transport/error.js"
import { Inbox } from "../../../src/internal/transport/inbox.js"

describe("Inbox with a failure made on demand", () => {
  it("makes no error when nobody reads", () => {
    const inbox = new Inbox()
    let made = 0
    inbox.abort(() => {
      made++
      return Errors.closed("a stream")
    })
    inbox.fail(() => {
      made++
      return Errors.closed("a stream")
    })
    expect(inbox.isDone).toBe(true)
    expect(made).toBe(0)
  })

  it.effect("makes it once, for the reads after the chunks that came before it", () =>
    Effect.gen(function*() {
      const inbox = new Inbox()
      let made = 0
      inbox.push(new Uint8Array([1, 2]))
      inbox.fail(() => {
        made++
        return Errors.closed("a stream")
      })
      expect(yield* inbox.read).toEqual(new Uint8Array([1, 2]))
      const first = yield* Effect.either(inbox.read)
      const second = yield* Effect.either(inbox.read)
      expect(Either.isLeft(first) && first.left.reason).toBe("Closed")
      expect(Either.isLeft(second) && second.left).toBe(Either.isLeft(first) && first.left)
      expect(made).toBe(1)
    }))
})
