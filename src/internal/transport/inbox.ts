/**
 * The receiving half of a stream connection: chunks in arrival order, then
 * either end of stream or a failure. Both the Node and the memory transport
 * feed one from callbacks and read it as an Effect, so the two share one
 * definition of "read returns chunks, then undefined at EOF".
 *
 * @internal
 */
import { Effect } from "effect"
import type { TransportError } from "./error.js"

/**
 * A failure, or how to make it: a connection that closes makes one for a
 * reader that may never come, and building an error captures a stack, so
 * it can be left to the first read that meets it.
 */
export type Failure = TransportError | (() => TransportError)

type Ending =
  | { readonly _tag: "Eof" }
  | { readonly _tag: "Failed"; error: Failure }

/** How much may wait unread before the producer is asked to pause (bytes). */
const defaultHighWater = 256 * 1024

/** Ordered chunks with an end; one reader at a time is expected, several are tolerated. */
export class Inbox {
  private readonly chunks: Array<Uint8Array> = []
  private buffered = 0
  private paused = false
  private ending: Ending | undefined = undefined
  private readonly waiters = new Set<() => void>()

  constructor(
    private readonly flow: {
      /** Asks the producer to stop (a socket's `pause`). */
      readonly pause: () => void
      /** Lets the producer go on once the reader caught up (a socket's `resume`). */
      readonly resume: () => void
      readonly highWater?: number
    } = { pause: () => {}, resume: () => {} }
  ) {}

  /** True once the inbox ended or failed; later pushes are ignored. */
  get isDone(): boolean {
    return this.ending !== undefined
  }

  /** Appends a chunk (empty chunks are skipped: they would read like nothing happened). */
  push(chunk: Uint8Array): void {
    if (this.ending !== undefined || chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
    if (!this.paused && this.buffered > (this.flow.highWater ?? defaultHighWater)) {
      // Backpressure: a slow reader must not make us buffer without bound.
      this.paused = true
      this.flow.pause()
    }
    this.wake()
  }

  /** End of stream: the reader gets the remaining chunks, then undefined. */
  finish(): void {
    if (this.ending !== undefined) return
    this.ending = { _tag: "Eof" }
    this.wake()
  }

  /** A failure after the remaining chunks (the data that arrived is still good). */
  fail(error: Failure): void {
    if (this.ending !== undefined) return
    this.ending = { _tag: "Failed", error }
    this.wake()
  }

  /** Fails at once, discarding unread chunks: this side closed, nothing more will be read. */
  abort(error: Failure): void {
    this.chunks.length = 0
    this.buffered = 0
    if (this.ending === undefined || this.ending._tag === "Eof") this.ending = { _tag: "Failed", error }
    this.wake()
  }

  /**
   * The next chunk, `undefined` at end of stream, the failure, or `Inbox.empty` when nothing has arrived
   * yet: the synchronous half of `read`, for a reader driven by callbacks (see `wait`).
   */
  poll(): Uint8Array | undefined | TransportError | typeof Inbox.empty {
    const chunk = this.chunks.shift()
    if (chunk !== undefined) {
      this.buffered -= chunk.length
      if (this.paused && this.buffered === 0) {
        this.paused = false
        this.flow.resume()
      }
      return chunk
    }
    if (this.ending === undefined) return Inbox.empty
    if (this.ending._tag === "Eof") return undefined
    if (typeof this.ending.error === "function") this.ending.error = this.ending.error()
    return this.ending.error
  }

  /** Calls `ready` once, when the next chunk, the end or a failure arrives; the function returned cancels. */
  wait(ready: () => void): () => void {
    this.waiters.add(ready)
    return () => {
      this.waiters.delete(ready)
    }
  }

  /** The next chunk, undefined at end of stream, or the failure. */
  readonly read: Effect.Effect<Uint8Array | undefined, TransportError> = Effect.suspend(() => {
    const polled = this.poll()
    if (polled === Inbox.empty) {
      return Effect.async<Uint8Array | undefined, TransportError>((resume) =>
        // An interrupted reader must not be woken later.
        Effect.sync(this.wait(() => resume(this.read)))
      )
    }
    return polled === undefined || polled instanceof Uint8Array ? Effect.succeed(polled) : Effect.fail(polled)
  })

  /** What `poll` answers while nothing has arrived. */
  static readonly empty: unique symbol = Symbol("Inbox.empty")

  private wake(): void {
    if (this.waiters.size === 0) return
    // Every waiter re-runs `read`; whoever finds nothing waits again.
    const waiters = Array.from(this.waiters)
    this.waiters.clear()
    for (const waiter of waiters) waiter()
  }
}
