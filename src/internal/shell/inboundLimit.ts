/**
 * How many accepted streams a member serves at once: at most `perHost` from
 * one remote host, and at most `total` in all. A new stream is always
 * served: when its host has `perHost` already, that host's oldest stream is
 * dropped to make room, and when the total is reached, the oldest of all.
 * Honest exchanges (a
 * push/pull, a stream ping, a reliable message) last milliseconds, so they
 * finish long before they become the oldest, while streams held open on
 * purpose are what gets dropped: someone holding thousands of connections
 * cannot stop push/pull, and the member's file descriptors stay bounded.
 *
 * @internal
 */

/** An admitted stream, and the one it pushed out to make room, if any. */
export interface Admission<H> {
  readonly id: number
  readonly evicted: H | undefined
}

/** The live streams and the rule above; `H` is whatever stops a stream (its fiber). */
export class InboundLimit<H> {
  private readonly live = new Map<number, { readonly host: string; handle: H | undefined }>()
  private readonly perHostCount = new Map<string, number>()
  private nextId = 0

  constructor(private readonly total: number, private readonly perHost: number) {}

  /** Admits a stream from `host`, pushing out the oldest one of that host, or of all, when full. */
  admit(host: string): Admission<H> {
    let evicted: H | undefined
    if ((this.perHostCount.get(host) ?? 0) >= this.perHost) evicted = this.evictOldest((entry) => entry.host === host)
    else if (this.live.size >= this.total) evicted = this.evictOldest(() => true)
    const id = ++this.nextId
    this.live.set(id, { host, handle: undefined })
    this.perHostCount.set(host, (this.perHostCount.get(host) ?? 0) + 1)
    return { id, evicted }
  }

  /** Removes the oldest stream that `which` accepts; maps iterate in insertion order, oldest first. */
  private evictOldest(which: (entry: { readonly host: string }) => boolean): H | undefined {
    for (const [id, entry] of this.live) {
      if (!which(entry)) continue
      this.release(id)
      return entry.handle
    }
    return undefined
  }

  /** Records what stops stream `id`, once it runs. */
  track(id: number, handle: H): void {
    const entry = this.live.get(id)
    if (entry !== undefined) entry.handle = handle
  }

  /** Stream `id` ended (or was evicted); safe to call twice. */
  release(id: number): void {
    const entry = this.live.get(id)
    if (entry === undefined) return
    this.live.delete(id)
    const left = (this.perHostCount.get(entry.host) ?? 1) - 1
    if (left <= 0) this.perHostCount.delete(entry.host)
    else this.perHostCount.set(entry.host, left)
  }

  /** Hands what stops each stream still served to `stop`, oldest first (the member is stopping). */
  forEachLive(stop: (handle: H) => void): void {
    for (const entry of Array.from(this.live.values())) if (entry.handle !== undefined) stop(entry.handle)
  }

  /** Streams served now. */
  get size(): number {
    return this.live.size
  }
}
