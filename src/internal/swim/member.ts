/**
 * A member as the core stores it, and the read-only view it hands out.
 *
 * @internal
 */
import type { Address, Alive, Versions } from "./messages.js"
import { NodeState } from "./messages.js"

/** A cluster member as this node currently sees it. */
export interface Member {
  readonly name: string
  readonly address: Address
  readonly meta: Uint8Array
  readonly incarnation: number
  readonly state: NodeState
  readonly versions: Versions
  /** When this node last saw the member's state change (ms, the core's clock). */
  readonly stateChangedAt: number
}

/**
 * The core's own, mutable record of a member. When it was last heard from
 * is kept beside it (heardTimes.ts); a record may be shared by several
 * views and must then be copied before a write (sharedRecord.ts).
 */
export interface MemberRecord {
  name: string
  address: Address
  meta: Uint8Array
  incarnation: number
  state: NodeState
  versions: Versions
  stateChangedAt: number
}

/** A new record of a member's alive fields, in `state` since `stateChangedAt`; every record has this one shape. */
export const makeRecord = (
  fields: Pick<MemberRecord, "name" | "address" | "meta" | "incarnation" | "versions">,
  state: NodeState,
  stateChangedAt: number
): MemberRecord => ({
  name: fields.name,
  address: fields.address,
  meta: fields.meta,
  incarnation: fields.incarnation,
  state,
  versions: fields.versions,
  stateChangedAt
})

/** A new record of the member an alive message is about (the shape `makeRecord` gives), with no fields object between. */
export const recordOfAlive = (a: Alive, state: NodeState, stateChangedAt: number): MemberRecord => ({
  name: a.node,
  address: a.address,
  meta: a.meta,
  incarnation: a.incarnation,
  state,
  versions: a.versions,
  stateChangedAt
})

/** A copy of a record, safe to hand to the outside. */
export const toMember = (record: MemberRecord): Member => makeRecord(record, record.state, record.stateChangedAt)

/** Takes an alive message's incarnation, metadata and versions; the record is alive, since `now` if it was not. */
export const takeAlive = (record: MemberRecord, a: Alive, now: number): void => {
  record.incarnation = a.incarnation
  record.meta = a.meta
  record.versions = a.versions
  if (record.state !== NodeState.Alive) {
    record.state = NodeState.Alive
    record.stateChangedAt = now
  }
}
