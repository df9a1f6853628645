/**
 * A view filled in one go, as if a join had already converged: for the
 * simulator's converged start, which measures the steady state and failure
 * detection of a large cluster without first paying its N^2 join storm.
 *
 * It is not a protocol decision and no member ever takes this path: nothing
 * is announced, no event is emitted, no admission is asked. The records are
 * the ones `handleAlive` leaves after admitting a member it heard of (alive,
 * `heardAt` unknown, changed at `now`), placed in the probe order at random
 * positions drawn from the core's own generator, as `handleAlive` places
 * them; the peers' address, metadata and versions objects are shared, not
 * copied, so N views of N members hold N of each.
 *
 * @internal
 */
import type { Address, Versions } from "./messages.js"
import { NodeState } from "./messages.js"
import { insertRecord } from "./membership.js"
import type { CoreState } from "./state.js"

/** What a converged view knows of a peer: the fields of its alive message. */
export interface ConvergedPeer {
  readonly name: string
  readonly address: Address
  readonly meta: Uint8Array
  readonly incarnation: number
  readonly versions: Versions
}

/**
 * Adds every peer in `peers` this started node does not know yet, alive,
 * without a message or event. Returns how many it added; a node that is not
 * running (or already knows a peer) is left as it is for that peer.
 */
export const fillConvergedView = (state: CoreState, peers: ReadonlyArray<ConvergedPeer>, now: number): number => {
  if (state.status !== "alive") return 0
  let added = 0
  for (const peer of peers) {
    if (state.members.has(peer.name)) continue
    insertRecord(state, peer, NodeState.Alive, now)
    added++
  }
  return added
}
