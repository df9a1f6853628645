/**
 * A `dead` from another member about a member we are in touch with is
 * believed only as a suspicion.
 *
 * When a partition heals, each half still gossips the deaths it declared,
 * rightly, about the other half while it was cut off; a verdict reached in
 * the last moments before the heal reaches the dead member's own half,
 * which has heard from it all along, and there it marked a healthy member
 * failed until its refutation arrived (30-150 ms in the host fault suite).
 * A member we heard from within the min suspicion timeout cannot be a
 * failure anyone else has confirmed: a real failure is declared at the
 * earliest a probe timeout plus the min suspicion timeout after the member
 * last spoke. So we suspect it instead, with the accuser as the first
 * accuser: the member refutes, or our own suspicion timer decides.
 *
 * "Heard" is a well-formed packet from the member's own address. Without a
 * key such a packet can be forged, which can only turn a death into a
 * suspicion that still expires.
 *
 * @internal
 */
import type { MemberRecord } from "./member.js"
import { clusterSize, type CoreState } from "./state.js"
import { suspicionMinTimeout } from "./suspicion.js"

/** A well-formed packet came from `record`'s address at `now`. */
export const noteHeardFrom = (state: CoreState, record: MemberRecord, now: number): void => {
  state.heardAt.set(record.name, now)
}

/** Whether we heard from `record` within the min suspicion timeout. */
export const inTouchWith = (state: CoreState, record: MemberRecord, now: number): boolean => {
  const heardAt = state.heardAt.get(record.name)
  return heardAt !== undefined &&
    now - heardAt < suspicionMinTimeout(state.config.suspicionMult, clusterSize(state), state.config.probeInterval)
}
