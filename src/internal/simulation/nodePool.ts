/**
 * The nodes actions may pick. An action picks at random among the running
 * nodes, never the seed (node-0, which everyone rejoins through), and
 * holds what it picked until its disruption ends, so two overlapping
 * actions never take the same node. The pool also names, in order, the
 * nodes that join mid-run.
 *
 * @internal
 */
import { makeRng, nextInt, type Rng } from "../swim/random.js"
import type { SimulatedCluster, SimNode } from "./cluster.js"

/** Random picks of free running nodes, by index. */
export class NodePool {
  /** held[i] = 1 while an unfinished action has node i. */
  private readonly held: Uint8Array
  /** Its own generator: adding an action leaves the cluster's random stream, and so the rest of the run, alone. */
  private readonly rng: Rng
  /** Nodes started so far; the next late joiner has this index. */
  private started: number

  /**
   * @param seed the scenario's seed
   * @param initial nodes started by the join storm
   * @param capacity every node the run has (late joiners too)
   */
  constructor(private readonly cluster: Pick<SimulatedCluster, "list">, seed: number, initial: number, capacity: number) {
    this.held = new Uint8Array(capacity)
    this.rng = makeRng((seed ^ 0x5eed5eed) >>> 0)
    this.started = initial
  }

  /** Picks and holds `count` random free running nodes (fewer when there are not that many). */
  choose(count: number): Array<number> {
    const chosen = pick(this.rng, this.started, count, (i) => this.held[i] === 0 && (this.cluster.list[i] as SimNode).running)
    for (const i of chosen) this.held[i] = 1
    return chosen
  }

  /** Frees nodes whose disruption is over, so later actions may pick them. */
  release(nodes: ReadonlyArray<number>): void {
    for (const i of nodes) this.held[i] = 0
  }

  /** The index of the next node to join mid-run. */
  nextJoiner(): number {
    return this.started++
  }
}

/** Picks `count` distinct random indices in [1, n) (never the seed, node-0), among those `ok`. */
const pick = (rng: Rng, n: number, count: number, ok: (i: number) => boolean): Array<number> => {
  const candidates: Array<number> = []
  for (let i = 1; i < n; i++) if (ok(i)) candidates.push(i)
  const chosen: Array<number> = []
  while (chosen.length < count && candidates.length > 0) {
    const j = nextInt(rng, candidates.length)
    chosen.push(candidates[j] as number)
    candidates[j] = candidates[candidates.length - 1] as number
    candidates.pop()
  }
  return chosen
}
