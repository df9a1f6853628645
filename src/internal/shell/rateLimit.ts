/**
 * A token bucket per source address, checked before a packet is decoded:
 * a source that sends more than `rate` packets per second (after a burst of
 * `burst`) has the excess dropped at the cost of one map lookup. A member
 * sends any one peer a few packets per second (probes, acks, gossip), so
 * the default leaves honest traffic untouched by a wide margin.
 *
 * The table of sources is bounded; when full, the source heard from least
 * recently is forgotten (it comes back with a full bucket). "Least recently"
 * is kept to within `reorderMillis`: moving a source to the end of the
 * table on every packet cost more than the rest of the check. Source addresses
 * can be forged without a key, so this bounds one sender, not the network:
 * see docs/security.md.
 *
 * @internal
 */

/** Limits of `RateLimit`. */
export interface RateLimitOptions {
  /** Packets per second each source may send, sustained. */
  readonly rate: number
  /** Packets a source may send at once before the rate applies. */
  readonly burst: number
  /** Sources tracked at once. */
  readonly maxSources: number
}

/** The defaults: 500 packets/s per source, bursts of 1,000, 4,096 sources. */
export const defaultRateLimit: RateLimitOptions = { rate: 500, burst: 1000, maxSources: 4096 }

/** How stale a source's place in the eviction order may get before it is moved to the end. */
export const reorderMillis = 1000

interface Bucket {
  tokens: number
  at: number
  /** When the bucket last moved to the end of the table. */
  placed: number
}

/** Token buckets keyed by source. */
export class RateLimit {
  private readonly buckets = new Map<string, Bucket>()

  constructor(private readonly options: RateLimitOptions = defaultRateLimit) {}

  /** Whether a packet from `source` at `now` (ms) may pass; spends a token when it does. */
  allow(source: string, now: number): boolean {
    const { burst, maxSources, rate } = this.options
    let bucket = this.buckets.get(source)
    if (bucket === undefined) {
      if (this.buckets.size >= maxSources) {
        const oldest = this.buckets.keys().next()
        if (oldest.done !== true) this.buckets.delete(oldest.value)
      }
      bucket = { tokens: burst, at: now, placed: now }
      this.buckets.set(source, bucket)
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000)
      bucket.at = now
      if (now - bucket.placed >= reorderMillis) {
        // Re-inserted, so the map's order stays least recently heard first (to within reorderMillis).
        this.buckets.delete(source)
        this.buckets.set(source, bucket)
        bucket.placed = now
      }
    }
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  /** Sources tracked now. */
  get size(): number {
    return this.buckets.size
  }
}
