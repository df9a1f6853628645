/**
 * A view filled in one go, as if a join had already converged: for the
 * simulator's converged start, which measures the steady state and failure
 * detection of a large cluster without first paying its N^2 join storm.
 *
 * It is not a protocol decision and no member ever takes this path: nothing
 * is announced, no event is emitted, no admission is asked. The records are
 * the ones `handleAlive` leaves after admitting a member it heard of (alive,
 * never heard from, changed at `now`), placed in the probe order at random
 * positions drawn from the core's own generator, as `handleAlive` places
 * them. Every view holds the same record of a peer, shared until a node
 * changes it (sharedRecord.ts): N views of N members hold N records.
 *
 * @internal
 */
import type { MemberRecord } from "./member.js"
import type { Address, Versions } from "./messages.js"
import { NodeState } from "./messages.js"
import { placeRecord } from "./membership.js"
import { shareRecord } from "./sharedRecord.js"
import type { CoreState } from "./state.js"

/** What a converged view knows of a peer: the fields of its alive message. */
export interface ConvergedPeer {
  readonly name: string
  readonly address: Address
  readonly meta: Uint8Array
  readonly incarnation: number
  readonly versions: Versions
}

/** The records every converged view holds of `peers`: alive, changed at `now`, shared. */
export const convergedRecords = (peers: ReadonlyArray<ConvergedPeer>, now: number): ReadonlyArray<MemberRecord> =>
  peers.map((peer) => shareRecord(peer, NodeState.Alive, now))

/**
 * Adds every record of `records` (from `convergedRecords`) whose member this
 * started node does not know yet, without a message or event. Returns how
 * many it added; a node that is not running (or already knows a peer) is
 * left as it is for that peer.
 */
export const fillConvergedView = (state: CoreState, records: ReadonlyArray<MemberRecord>): number => {
  if (state.status !== "alive") return 0
  let added = 0
  for (const record of records) {
    if (state.members.has(record.name)) continue
    placeRecord(state, record)
    added++
  }
  // Filled once and for good: at 10,000 nodes the arrays' spare room would be 10^8 empty slots.
  state.members.trim()
  state.byAddress.trim()
  state.probeOrder = state.probeOrder.slice()
  return added
}
