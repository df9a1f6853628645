/**
 * A node's member tables (by name, by address) in a compact form.
 *
 * A simulation holds every member in every node's two tables: 10^8 entries
 * at 10,000 nodes. A `Map` costs about 46 bytes an entry (measured at 600
 * nodes); this table about 28: keys are numbered once per process by a
 * `KeyInterner`, and each table keeps an `Int32Array` from that number to
 * the entry's position, plus the entries in insertion order. It behaves as the `Map` it replaces for the
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
  /** Keys that found the interner full, counted once per table that met them. */
  refusals = 0

  constructor(readonly capacity: number) {}

  /** How many keys are numbered. */
  get size(): number {
    return this.ids.size
  }

  /** The number of `key`, if it has one. */
  idOf(key: string): number | undefined {
    return this.ids.get(key)
  }

  /** The number of `key`, numbering it if there is room; undefined (and counted) when full. */
  intern(key: string): number | undefined {
    const known = this.ids.get(key)
    if (known !== undefined) return known
    if (this.ids.size >= this.capacity) {
      this.refusals++
      return undefined
    }
    const id = this.ids.size
    this.ids.set(key, id)
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

/** A `Map<string, V>` for the core's member tables, indexed through an interner. */
export class MemberTable<V> {
  /** Interned key number -> position in `keys`/`vals` + 1 (0: absent). */
  private slots = new Int32Array(0)
  /** Keys the interner refused -> position + 1. */
  private readonly others = new Map<string, number>()
  /** Insertion order; a removed entry leaves `undefined` until the next compaction. */
  private keys: Array<string | undefined> = []
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
    const id = this.interner.idOf(key)
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
    const at = this.positionOf(key)
    if (at >= 0) {
      this.vals[at] = value
      return this
    }
    const position = this.keys.length
    this.keys.push(key)
    this.vals.push(value)
    this.count++
    this.place(key, position, this.interner.intern(key))
    return this
  }

  private place(key: string, position: number, id: number | undefined): void {
    if (id === undefined) {
      this.others.set(key, position + 1)
      return
    }
    if (id >= this.slots.length) {
      const grown = new Int32Array(Math.min(this.interner.capacity, Math.max(16, (id + 1) * 2)))
      grown.set(this.slots)
      this.slots = grown
    }
    this.slots[id] = position + 1
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: string): boolean {
    const at = this.positionOf(key)
    if (at < 0) return false
    this.keys[at] = undefined
    this.vals[at] = undefined
    this.count--
    const id = this.interner.idOf(key)
    if (id !== undefined && id < this.slots.length && this.slots[id] === at + 1) this.slots[id] = 0
    else this.others.delete(key)
    const removed = this.keys.length - this.count
    if (this.iterating === 0 && removed >= compactAfter && removed * 2 >= this.keys.length) this.compact()
    return true
  }

  private compact(): void {
    const keys: Array<string | undefined> = []
    const vals: Array<V | undefined> = []
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i]
      if (key === undefined) continue
      keys.push(key)
      vals.push(this.vals[i])
    }
    this.keys = keys
    this.vals = vals
    this.others.clear()
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      this.place(key, i, this.interner.idOf(key))
    }
  }

  /**
   * Calls `f` with each value in insertion order, as `values()` visits them,
   * without an iterator result per entry: for passes made after every packet.
   */
  forEach(f: (value: V) => void): void {
    this.iterating++
    try {
      for (let i = 0; i < this.keys.length; i++) {
        if (this.keys[i] !== undefined) f(this.vals[i] as V)
      }
    } finally {
      this.iterating--
    }
  }

  /** Whether some value satisfies `predicate`, visited as `forEach` does; stops at the first. */
  some(predicate: (value: V) => boolean): boolean {
    this.iterating++
    try {
      for (let i = 0; i < this.keys.length; i++) {
        if (this.keys[i] !== undefined && predicate(this.vals[i] as V)) return true
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
      for (let i = 0; i < this.keys.length; i++) {
        if (this.keys[i] !== undefined) yield this.vals[i] as V
      }
    } finally {
      this.iterating--
    }
  }
}
