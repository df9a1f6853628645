/**
 * The addresses multicast discovery heard recently: bounded, each entry
 * expiring `expireAfter` ms after it was last heard. When full, a new
 * address evicts the one heard least recently (the likeliest to be gone).
 * A Map keeps insertion order, so refreshing an entry moves it to the end
 * and the first entry is always the least recently heard: O(1) each way.
 *
 * @internal
 */
import type { Address } from "../../Transport.js"
import { formatAddress } from "../swim/messages.js"

/** What hearing an address did to the table. */
export type Heard = "new" | "refreshed" | "evicted"

/** A bounded table of recently heard addresses. */
export class HeardTable {
  private readonly entries = new Map<string, { readonly address: Address; readonly at: number }>()

  constructor(readonly capacity: number, readonly expireAfter: number) {}

  /** Records `address` as heard at `now`; "evicted" when the oldest entry made room for it. */
  heard(address: Address, now: number): Heard {
    const key = formatAddress(address)
    const known = this.entries.delete(key)
    let evicted = false
    if (!known) {
      this.prune(now)
      if (this.entries.size >= this.capacity) {
        const oldest = this.entries.keys().next()
        if (oldest.done !== true) this.entries.delete(oldest.value)
        evicted = true
      }
    }
    this.entries.set(key, { address, at: now })
    return known ? "refreshed" : evicted ? "evicted" : "new"
  }

  /** The addresses heard within `expireAfter` of `now`; older ones are removed. */
  live(now: number): ReadonlyArray<Address> {
    this.prune(now)
    return Array.from(this.entries.values(), (e) => e.address)
  }

  /** How many entries the table holds (expired ones included until the next prune). */
  get size(): number {
    return this.entries.size
  }

  private prune(now: number): void {
    // Oldest first: stop at the first entry still fresh.
    for (const [key, entry] of this.entries) {
      if (now - entry.at <= this.expireAfter) break
      this.entries.delete(key)
    }
  }
}
