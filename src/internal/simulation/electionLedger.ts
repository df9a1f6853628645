/**
 * Watches an election as it runs: who led each term (at most one member
 * may: a second is counted the moment it takes the term, whenever that is),
 * and whether the running nodes agree on one live leader.
 *
 * @internal
 */
import type { LeaderChange, SimulatedElection } from "./election.js"
import type { SimulatedCluster } from "./cluster.js"

/** Two members that led the same term. */
export interface DoubleLeader {
  readonly term: number
  readonly first: string
  readonly second: string
  readonly at: number
}

/** Most double leaders kept in detail (all are counted). */
const keptDoubles = 20

/** The leaders of every term so far, one entry per term (terms grow by one per election). */
export class LeaderLedger {
  private readonly leaders = new Map<number, string>()
  readonly doubles: Array<DoubleLeader> = []
  doubleCount = 0
  /** Leader changes seen on any node. */
  changes = 0
  highestTerm = 0

  /** For `SimulatedElectionOptions.onLeaderChange`: checks every change as it happens. */
  readonly record = (change: LeaderChange): void => {
    this.changes++
    if (change.term > this.highestTerm) this.highestTerm = change.term
    if (change.leader !== change.node) return
    const first = this.leaders.get(change.term)
    if (first === undefined) {
      this.leaders.set(change.term, change.node)
    } else if (first !== change.node) {
      this.doubleCount++
      if (this.doubles.length < keptDoubles) this.doubles.push({ term: change.term, first, second: change.node, at: change.at })
    }
  }

  /** Who led `term`, if anyone did. */
  leaderOfTerm(term: number): string | undefined {
    return this.leaders.get(term)
  }
}

/**
 * The leader every running node among `names` names, when they all name the
 * same one and it is running and names itself; otherwise undefined.
 */
export const agreedLeader = (
  cluster: SimulatedCluster,
  election: SimulatedElection,
  names: ReadonlyArray<string>
): { readonly leader: string; readonly term: number } | undefined => {
  let agreed: { readonly leader: string; readonly term: number } | undefined
  for (const name of names) {
    if (!cluster.node(name).running) continue
    const seen = election.leaderOf(name)
    if (seen === undefined || seen.leader === undefined) return undefined
    if (agreed === undefined) agreed = { leader: seen.leader, term: seen.term }
    else if (agreed.leader !== seen.leader || agreed.term !== seen.term) return undefined
  }
  if (agreed === undefined || !names.includes(agreed.leader)) return undefined
  return election.leaderOf(agreed.leader)?.leader === agreed.leader ? agreed : undefined
}
