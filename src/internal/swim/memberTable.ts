/**
 * A node's member tables (by name, by address) in a compact form.
 *
 * A simulation holds every member in every node's two tables: 10^8 entries
 * at 10,000 nodes. A `Map` costs about 46 bytes an entry (measured at 600
 * nodes); this table about 12-16: keys are numbered once per process by a
 * `KeyInterner`, and each table keeps an `Int32Array` from that number to
 * the entry's position and the values in insertion order, but not the keys
 * (a simulation's tables would hold 10^8 pointers to them; the interner
 * has each once). It behaves as the `Map` it replaces for the
 * operations the core uses (same iteration order, the same answers while
 * iterating), so the core's decisions do not depend on which one it holds.
 *
 * The interners are shared by every table in the process and hold at most
 * `internerCapacity` keys each; a key that finds one full still works, kept
 * by its table in a plain `Map`, and is counted (`internerRefusals`). In a
 * production process (one member) they hold the names and addresses it met.
 *
 * @internal
 */

/** Most keys one interner numbers; beyond it, tables keep new keys in a plain map. */
export const internerCapacity = 1 << 18

/** Numbers keys, once per process, up to a capacity. */
export class KeyInterner {
  private readonly ids = new Map<string, number>()
  /**
   * The key looked up or numbered last, and its number: a member is looked up by name several times in a
   * row (a merged entry: known already? held? then placed; a greeting: held? then placed), each a hash
   * lookup in a map of every name the process met. A number never changes once given, so this never goes stale.
   */
  private lastKey: string | undefined = undefined
  private lastId: number | undefined = undefined
  /** Keys that found the interner full, counted once per table that met them. */
  refusals = 0

  constructor(readonly capacity: number) {}

  /** How many keys are numbered. */
  get size(): number {
    return this.ids.size
  }

  /** The number of `key`, if it has one. */
  idOf(key: string): number | undefined {
    if (key === this.lastKey) return this.lastId
    const id = this.ids.get(key)
    this.lastKey = key
    this.lastId = id
    return id
  }

  /** The number of `key`, numbering it if there is room; undefined (and counted) when full. */
  intern(key: string): number | undefined {
    const known = this.ids.get(key)
    return known !== undefined ? known : this.internNew(key)
  }

  /** `intern` for a key the caller just found unnumbered (`idOf` gave undefined): no second lookup. */
  internNew(key: string): number | undefined {
    if (this.ids.size >= this.capacity) {
      this.refusals++
      return undefined
    }
    const id = this.ids.size
    this.ids.set(key, id)
    this.lastKey = key
    this.lastId = id
    return id
  }
}

/** Interner of member names (keys of `members`). */
export const memberNames = new KeyInterner(internerCapacity)
/** Interner of `host:port` keys (keys of `byAddress`). */
export const memberAddresses = new KeyInterner(internerCapacity)

/** Keys the process's interners turned away since it started (each then costs a `Map` entry). */
export const internerRefusals = (): number => memberNames.refusals + memberAddresses.refusals

/** Entries removed before the table compacts its order (also at least half of it). */
const compactAfter = 32

/**
 * A `Map<string, V>` for the core's member tables, indexed through an
 * interner. A value is never `undefined`: a removed entry leaves `undefined`
 * in its position until the next compaction.
 */
export class MemberTable<V extends NonNullable<unknown>> {
  /** Interned key number -> position in `vals` + 1 (0: absent). */
  private slots = new Int32Array(0)
  /** Keys the interner refused -> position + 1. */
  private readonly others = new Map<string, number>()
  /** The values in insertion order; removed ones are `undefined` until the next compaction. */
  private vals: Array<V | undefined> = []
  private count = 0
  /** Iterations in progress: positions must not move under them. */
  private iterating = 0

  constructor(private readonly interner: KeyInterner) {}

  /** How many entries. */
  get size(): number {
    return this.count
  }

  private positionOf(key: string): number {
    return this.positionBy(key, this.interner.idOf(key))
  }

  /** Where `key`, numbered `id` by the interner (undefined: not numbered), sits in `vals`; -1 when absent. */
  private positionBy(key: string, id: number | undefined): number {
    // A numbered key is never in `others`: the interner refuses a key only once it is full, and stays full.
    if (id !== undefined) return id < this.slots.length ? (this.slots[id] as number) - 1 : -1
    return (this.others.get(key) ?? 0) - 1
  }

  /** The value under `key`. */
  get(key: string): V | undefined {
    const at = this.positionOf(key)
    return at < 0 ? undefined : this.vals[at]
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.positionOf(key) >= 0
  }

  /** Sets `key`; a new key goes last in the order, a present one keeps its place. */
  set(key: string, value: V): this {
    // One lookup of the key's number serves both the position and, for a new entry, the slot: a new
    // member's name and address are looked up once per table rather than three times.
    const known = this.interner.idOf(key)
    const at = this.positionBy(key, known)
    if (at >= 0) {
      this.vals[at] = value
      return this
    }
    const position = this.vals.length
    this.vals.push(value)
    this.count++
    const id = known ?? this.interner.internNew(key)
    if (id === undefined) {
      this.others.set(key, position + 1)
      return this
    }
    if (id >= this.slots.length) {
      // Straight to every key numbered so far (a converged view's first entry), doubling while they come one by one.
      const length = Math.max(16, id + 1, this.interner.size, this.slots.length * 2)
      const grown = new Int32Array(Math.min(this.interner.capacity, length))
      grown.set(this.slots)
      this.slots = grown
    }
    this.slots[id] = position + 1
    return this
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: string): boolean {
    const at = this.positionOf(key)
    if (at < 0) return false
    this.vals[at] = undefined
    this.count--
    const id = this.interner.idOf(key)
    if (id === undefined) this.others.delete(key)
    else this.slots[id] = 0
    const removed = this.vals.length - this.count
    if (this.iterating === 0 && removed >= compactAfter && removed * 2 >= this.vals.length) this.compact()
    return true
  }

  /**
   * Whether `value` itself sits at `position` or next to it: a check by
   * identity with no key lookup, for a caller walking a table laid out in
   * nearly the same order (a converged view merging another's push/pull).
   * False says nothing: the value may still be elsewhere.
   */
  holdsNear(value: V, position: number): boolean {
    const vals = this.vals
    return vals[position] === value || vals[position + 1] === value || (position > 0 && vals[position - 1] === value)
  }

  /**
   * Drops the spare room the values array grew (up to half its length):
   * for a table filled in one go that will hardly grow again, as a
   * simulation's converged view. Not while iterating.
   */
  trim(): void {
    if (this.iterating === 0) this.vals = this.vals.slice()
  }

  /** Closes the gaps removals left; positions are found again from the slots (no key is kept per entry). */
  private compact(): void {
    const slotOf = new Int32Array(this.vals.length).fill(-1)
    for (let id = 0; id < this.slots.length; id++) {
      const at = this.slots[id] as number
      if (at > 0) slotOf[at - 1] = id
    }
    const refusedAt = new Map<number, string>()
    for (const [key, at] of this.others) refusedAt.set(at - 1, key)
    this.others.clear()
    let kept = 0
    for (let i = 0; i < this.vals.length; i++) {
      const value = this.vals[i]
      if (value === undefined) continue
      this.vals[kept] = value
      const id = slotOf[i] as number
      if (id >= 0) this.slots[id] = kept + 1
      else this.others.set(refusedAt.get(i) as string, kept + 1)
      kept++
    }
    this.vals.length = kept
  }

  /**
   * Calls `f` with each value in insertion order, as `values()` visits them,
   * without an iterator result per entry: for passes made after every packet.
   */
  forEach(f: (value: V) => void): void {
    this.iterating++
    try {
      for (let i = 0; i < this.vals.length; i++) {
        const value = this.vals[i]
        if (value !== undefined) f(value)
      }
    } finally {
      this.iterating--
    }
  }

  /**
   * Whether some value satisfies `predicate`, visited as `forEach` does; stops at the first.
   * `context` is handed to the predicate, so a check asked after every step needs no closure.
   */
  some<C = undefined>(predicate: (value: V, context: C) => boolean, context?: C): boolean {
    this.iterating++
    try {
      for (let i = 0; i < this.vals.length; i++) {
        const value = this.vals[i]
        if (value !== undefined && predicate(value, context as C)) return true
      }
      return false
    } finally {
      this.iterating--
    }
  }

  /** The values in insertion order; entries set while iterating are visited, removed ones are not (as a `Map`). */
  *values(): IterableIterator<V> {
    this.iterating++
    try {
      for (let i = 0; i < this.vals.length; i++) {
        const value = this.vals[i]
        if (value !== undefined) yield value
      }
    } finally {
      this.iterating--
    }
  }
}
