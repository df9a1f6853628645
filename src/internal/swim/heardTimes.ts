/**
 * When each member was last heard from (see inTouch.ts), kept beside the
 * member records rather than in them.
 *
 * Every packet from a member writes its time. Stored in the record, that
 * write would give each node a private copy of every record it hears from,
 * which defeats the records a simulation shares between views
 * (sharedRecord.ts). Here a node keeps a `Float64Array` indexed by the
 * member's interned name (8 bytes a member, nothing for the collector to
 * walk); a name the interner refused is kept in a plain map, at most one
 * entry per member in the table, removed with the member.
 *
 * @internal
 */
import type { KeyInterner } from "./memberTable.js"

/** The last time each member was heard from; absent (never heard) until set. */
export class HeardTimes {
  /** Interned name number -> time, NaN when never heard. */
  private times = new Float64Array(0)
  /** Names the interner refused -> time. */
  private readonly others = new Map<string, number>()

  constructor(private readonly interner: KeyInterner) {}

  /** When `name` was last heard from, if ever. */
  get(name: string): number | undefined {
    const id = this.interner.idOf(name)
    if (id === undefined) return this.others.get(name)
    const at = id < this.times.length ? (this.times[id] as number) : NaN
    return Number.isNaN(at) ? undefined : at
  }

  /** `name` was heard from at `now`. */
  set(name: string, now: number): void {
    const id = this.interner.intern(name)
    if (id === undefined) {
      this.others.set(name, now)
      return
    }
    if (id >= this.times.length) this.grow(id)
    this.times[id] = now
  }

  /** Forgets `name` (its member left the table). */
  delete(name: string): void {
    const id = this.interner.idOf(name)
    if (id === undefined) this.others.delete(name)
    else if (id < this.times.length) this.times[id] = NaN
  }

  private grow(id: number): void {
    const grown = new Float64Array(Math.min(this.interner.capacity, Math.max(16, id + 1, this.interner.size, this.times.length * 2)))
    grown.fill(NaN, this.times.length)
    grown.set(this.times)
    this.times = grown
  }
}
