/**
 * Member records shared by many views, copied on the first write.
 *
 * A simulation's converged start gives every node the same picture of every
 * other: N views of N members. One record per member, frozen and shared by
 * every view that holds it, costs N records instead of N^2; a node that
 * changes what it knows of a member (a suspicion, a death, a new
 * incarnation, a move) first takes a private copy, put in its place in the
 * node's tables and probe order. Freezing makes a write that skipped the
 * copy throw (ES modules are strict) instead of changing every view at once.
 *
 * No member in a real process ever holds a shared record: the core creates
 * private ones, and only the converged start (convergedView.ts) shares.
 *
 * @internal
 */
import { storedAddressKey } from "./addressKey.js"
import { makeRecord, type MemberRecord } from "./member.js"
import type { NodeState } from "./messages.js"
import type { CoreState } from "./state.js"

/** A record no view may change in place, for every view that knows the member the same way. */
export const shareRecord = (
  fields: Pick<MemberRecord, "name" | "address" | "meta" | "incarnation" | "versions">,
  nodeState: NodeState,
  now: number
): MemberRecord => Object.freeze(makeRecord(fields, nodeState, now))

/**
 * The record of this node that may be written: `record` itself unless it is
 * shared, else a private copy that takes its place in the node's tables and
 * probe order. Call it before every write; go on with what it returns.
 */
export const ownRecord = (state: CoreState, record: MemberRecord): MemberRecord => {
  if (!Object.isFrozen(record)) return record
  const copy = makeRecord(record, record.state, record.stateChangedAt)
  if (state.members.get(copy.name) === record) state.members.set(copy.name, copy)
  const key = storedAddressKey(copy.address)
  if (state.byAddress.get(key) === record) state.byAddress.set(key, copy)
  const at = state.probeOrder.indexOf(record)
  if (at >= 0) state.probeOrder[at] = copy
  return copy
}
